using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Tests.Notifiers.Receivers;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Notifiers;

/// <summary>
/// Notifications of real runs (the agent as a subprocess, a real engine) to real receivers on 127.0.0.1: a job whose
/// source fails is told exactly once to every target type, and receivers that fail (500, then down) are retried
/// without failing or changing the backup.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class NotificationRunTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public NotificationRunTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_SourceFails_EveryTargetGetsExactlyOneFailureNamingTheJobTheSourceAndTheError()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        using var http = new HttpReceiver();
        using var smtp = new SmtpSink();
        var keyFile = Path.Combine(workspace.Root, "hook.key");
        await File.WriteAllTextAsync(keyFile, "k3y\n", cts.Token);
        var job = workspace.Job("notify-fail");
        var missing = $"missing-{_docker.TestRunId}";
        workspace.WriteConfig($$"""
            notify:
              hook: { type: webhook, url: "{{http.Url("/hook")}}", secret_file: {{keyFile}} }
              chat: { type: slack, url: "{{http.Url("/slack")}}" }
              phone: { type: ntfy, url: "{{http.Url("/ntfy")}}" }
              hc: { type: ping, url: "{{http.Url("/ping")}}" }
              mail: { type: email, smtp_host: 127.0.0.1, smtp_port: {{smtp.Port}}, starttls: false, from: agent@example.com, to: [ops@example.com] }
            jobs:
              {{job}}:
                sources:
                  - volume: {{missing}}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        var requests = http.Requests;
        requests.Select(r => r.PathAndQuery).Should().BeEquivalentTo(["/hook", "/slack", "/ntfy", "/ping/start", "/ping/fail"], "one failure per target, and the ping's start; all sent before the agent exited");
        var hook = requests.Single(r => r.PathAndQuery == "/hook");
        hook.Headers["X-VolumeAgent-Signature"].Should().Be(VolumeAgent.Notifiers.Webhook.WebhookNotifier.Signature("k3y", hook.Body));
        using (var json = JsonDocument.Parse(hook.Body))
        {
            json.RootElement.GetProperty("event").GetString().Should().Be("failure");
            json.RootElement.GetProperty("job").GetString().Should().Be(job);
            var failed = json.RootElement.GetProperty("failed_artifacts").EnumerateArray().Should().ContainSingle().Subject;
            failed.GetProperty("source").GetString().Should().Be($"volume {missing}");
            failed.GetProperty("error").GetString().Should().Contain(missing);
        }

        foreach (var text in requests.Where(r => r.PathAndQuery is "/slack" or "/ntfy" or "/ping/fail").Select(r => r.Text))
        {
            text.Should().Contain(job).And.Contain($"volume {missing}");
        }

        var mail = smtp.Mails.Should().ContainSingle().Subject;
        mail.Data.Should().Contain($"Backup of {job} FAILED").And.Contain($"volume {missing}");
    }

    [Fact]
    public async Task RunNow_ReceiverAnswers500ThenAnotherIsDown_RetriedAndTheBackupStillSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        using var http = new HttpReceiver();
        http.Answers.Enqueue(500);
        http.Answers.Enqueue(500);
        var volume = await scope.CreateVolumeAsync("notify-data", cts.Token);
        var downPort = HttpReceiver.FreePort();
        var job = workspace.Job("notify-ok");
        workspace.WriteConfig($$"""
            notify:
              hook: { type: webhook, url: "{{http.Url("/hook")}}", on: [success] }
              down: { type: ping, url: "http://127.0.0.1:{{downPort}}/ping/s3cr3t-uuid" }
            jobs:
              {{job}}:
                sources:
                  - volume: {{volume}}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        workspace.SetDirectories(job).Should().ContainSingle("the set is written whatever the receivers do");
        http.Requests.Should().HaveCount(3, "two 500 answers, then the third attempt is taken");
        http.Requests.Select(r => r.Text).Distinct().Should().ContainSingle();
        JsonDocument.Parse(http.Requests[^1].Body).RootElement.GetProperty("status").GetString().Should().Be("succeeded");
        result.Output.Should().Contain($"could not be delivered to down (ping at http://127.0.0.1:{downPort})").And.NotContain("s3cr3t-uuid");
    }
}

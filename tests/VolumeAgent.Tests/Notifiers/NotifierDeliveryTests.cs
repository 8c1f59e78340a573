using System.Text.Json;
using VolumeAgent.Manifest;
using VolumeAgent.Notifiers;
using VolumeAgent.Notifiers.Delivery;
using VolumeAgent.Notifiers.Webhook;
using VolumeAgent.Operations;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Tests.Notifiers.Receivers;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;

namespace VolumeAgent.Tests.Notifiers;

/// <summary>
/// Every notifier type against a real receiver on 127.0.0.1 (an HTTP server, an SMTP server), through the run
/// subscriber and its background queues: what arrives, the webhook's signature, retries after errors, and a target
/// that is down counted and logged without its URL's path.
/// </summary>
public sealed class NotifierDeliveryTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly Backoff Quick = new() { FirstDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromMilliseconds(200), AttemptTimeout = TimeSpan.FromSeconds(5) };
    private readonly HttpReceiver _http = new();
    private readonly SmtpSink _smtp = new();
    private readonly LogCapture _log = new();

    public void Dispose()
    {
        _http.Dispose();
        _smtp.Dispose();
    }

    [Fact]
    public async Task FailedRun_EveryTargetType_ReceivesOneNotificationNamingTheJobTheSourceAndTheError()
    {
        var policy = Policy(
            $$"""
            hook: { type: webhook, url: "{{_http.Url("/hook?token=abc")}}", secret_file: /run/secrets/key }
            chat: { type: slack, url: "{{_http.Url("/slack")}}" }
            phone: { type: ntfy, url: "{{_http.Url("/ntfy/backups")}}" }
            hc: { type: ping, url: "{{_http.Url("/ping/abc")}}" }
            mail: { type: email, smtp_host: 127.0.0.1, smtp_port: {{_smtp.Port}}, starttls: false, from: agent@example.com, to: [ops@example.com] }
            """);
        await using (var notifier = new NotificationSubscriber(policy, Quick, TimeProvider.System, _log.Logger))
        {
            notifier.OnEvent(Started());
            notifier.OnEvent(NotificationPayloadTests.FailedRun());
            var requests = await _http.WaitForAsync(5, Bound);
            var mail = await _smtp.WaitForMailAsync(Bound);

            var hook = requests.Should().ContainSingle(r => r.PathAndQuery == "/hook?token=abc").Subject;
            hook.Headers[WebhookNotifier.SignatureHeader].Should().Be(WebhookNotifier.Signature("k3y", hook.Body), "the signature is the HMAC of the body as sent");
            using (var json = JsonDocument.Parse(hook.Body))
            {
                json.RootElement.GetProperty("job").GetString().Should().Be("nightly");
                json.RootElement.GetProperty("failed_artifacts")[0].GetProperty("error").GetString().Should().Contain("connection refused");
            }

            requests.Should().ContainSingle(r => r.PathAndQuery == "/slack").Which.Text.Should().Contain("Backup of nightly FAILED").And.Contain("postgres db");
            var ntfy = requests.Should().ContainSingle(r => r.PathAndQuery == "/ntfy/backups").Subject;
            ntfy.Headers["Title"].Should().Be("Backup of nightly FAILED");
            ntfy.Headers["Priority"].Should().Be("high");
            ntfy.Text.Should().Contain("- postgres db: pg_dump exited with code 1: connection refused");
            requests.Where(r => r.PathAndQuery.StartsWith("/ping/", StringComparison.Ordinal)).Select(r => r.PathAndQuery)
                .Should().Equal(["/ping/abc/start", "/ping/abc/fail"], "a ping target hears the start, then the failure");
            requests.Single(r => r.PathAndQuery == "/ping/abc/fail").Text.Should().Contain("connection refused");
            mail.To.Should().Equal("<ops@example.com>");
            mail.Data.Should().Contain("Subject: [volume-agent] Backup of nightly FAILED").And.Contain("connection refused");
            notifier.FailedDeliveries.Values.Should().AllSatisfy(v => v.Should().Be(0));
        }

        _http.Requests.Should().HaveCount(5, "exactly one post per target (and the ping's start)");
        _smtp.Mails.Should().ContainSingle();
    }

    [Fact]
    public async Task Email_StartTls_DeliveredWhenTheServerChainsToTheCaFile_RefusedByTheSystemsCas()
    {
        using var authority = TestCertificates.Authority("smtp test CA");
        using var server = TestCertificates.Server(authority, "127.0.0.1");
        using var tlsSmtp = new SmtpSink(server);
        var caFile = Path.Combine(Path.GetTempPath(), $"va-smtp-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(caFile, authority.ExportCertificatePem());
        try
        {
            var policy = Policy(
                $$"""
                pinned: { type: email, smtp_host: 127.0.0.1, smtp_port: {{tlsSmtp.Port}}, ca_file: {{caFile}}, from: agent@example.com, to: [ops@example.com] }
                system: { type: email, smtp_host: 127.0.0.1, smtp_port: {{tlsSmtp.Port}}, from: system@example.com, to: [ops@example.com] }
                """);
            await using (var notifier = new NotificationSubscriber(policy, Quick, TimeProvider.System, _log.Logger))
            {
                notifier.OnEvent(NotificationPayloadTests.FailedRun());
                var mail = await tlsSmtp.WaitForMailAsync(Bound);
                await WaitUntilAsync(() => notifier.FailedDeliveries["system"] == 1);

                mail.Data.Should().Contain("Backup of nightly FAILED");
                notifier.FailedDeliveries["pinned"].Should().Be(0);
            }

            // Each target has its own sender. Delivery is at least once: an attempt that outlives its timeout after the
            // server took the mail is tried again, so a loaded machine may see the pinned target's mail twice.
            tlsSmtp.Mails.Should().NotContain(m => m.From.Contains("system@", StringComparison.Ordinal), "the target without ca_file does not trust the test CA and sends nothing");
            tlsSmtp.Mails.Should().NotBeEmpty().And.OnlyContain(m => m.From.Contains("agent@", StringComparison.Ordinal) && m.OverTls, "the mail went over the connection STARTTLS upgraded");
            _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().Contain(m => m.Contains("system", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(caFile);
        }
    }

    [Fact]
    public async Task ReceiverAnswers500_IsRetriedUntilItTakesTheNotification()
    {
        _http.Answers.Enqueue(500);
        _http.Answers.Enqueue(503);
        var policy = Policy($$"""hook: { type: webhook, url: "{{_http.Url("/hook")}}", on: [success, failure] }""");
        await using var notifier = new NotificationSubscriber(policy, Quick, TimeProvider.System, _log.Logger);

        notifier.OnEvent(NotificationPayloadTests.FailedRun());
        await _http.WaitForAsync(3, Bound);
        await WaitUntilAsync(() => notifier.Deliveries["hook"] == 1);

        notifier.FailedDeliveries["hook"].Should().Be(0);
        _http.Requests.Select(r => r.Text).Distinct().Should().ContainSingle("every attempt posts the same body");
    }

    [Fact]
    public async Task ReceiverDown_IsRetriedThenCountedAndLoggedWithoutItsPathOrQuery()
    {
        var port = HttpReceiver.FreePort();
        var policy = Policy($$"""down: { type: slack, url: "http://127.0.0.1:{{port}}/services/s3cr3t-path?token=t0ken" }""");
        await using var notifier = new NotificationSubscriber(policy, Quick, TimeProvider.System, _log.Logger);

        notifier.OnEvent(NotificationPayloadTests.FailedRun());
        await WaitUntilAsync(() => notifier.FailedDeliveries["down"] == 1);

        var line = _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().ContainSingle().Subject;
        line.Should().Contain("could not be delivered to down (slack at http://127.0.0.1:" + port + ")").And.Contain("after 4 attempt(s)");
        line.Should().NotContain("s3cr3t-path").And.NotContain("t0ken");
        _log.Events.Single().Properties["EventId"].ToString().Should().Contain(LogEvents.NotificationFailed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task JobWithItsOwnList_IsToldOnlyThroughThoseTargets_AndSuccessOnlyWhereAsked()
    {
        var policy = PolicyTestHelpers.Load(
            $$"""
            storage:
              local: { type: local, path: /backups }
            notify:
              a: { type: webhook, url: "{{_http.Url("/a")}}", on: [success] }
              b: { type: webhook, url: "{{_http.Url("/b")}}" }
            jobs:
              nightly: { notify: [a], sources: [{ volume: data }] }
              other: { sources: [{ volume: data }] }
            """);
        await using (var notifier = new NotificationSubscriber(policy, Quick, TimeProvider.System, _log.Logger))
        {
            notifier.OnEvent(NotificationPayloadTests.FailedRun());
            notifier.OnEvent(NotificationPayloadTests.FailedRun() with { Job = "other" });
        }

        _http.Requests.Select(r => r.PathAndQuery).Should().Equal(["/b"], "nightly's only target wants successes; other's failure goes to every target that wants failures");
    }

    private static RunStarted Started() => new()
    {
        Job = "nightly",
        At = DateTimeOffset.UnixEpoch,
        Trigger = ManifestTrigger.Schedule,
        Activity = new RunActivity(TimeSpan.FromMinutes(5), TimeProvider.System),
    };

    private static BackupPolicy Policy(string notify) => PolicyTestHelpers.Load(
        "storage:\n  local: { type: local, path: /backups }\nnotify:\n" + PolicyTestHelpers.Indent(notify, 2) + "jobs:\n  nightly:\n    sources: [{ volume: data }]\n",
        FakePolicyEnvironment.Create(files: new Dictionary<string, string> { ["/run/secrets/key"] = "k3y\n" }));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}

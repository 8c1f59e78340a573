using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Http;

/// <summary>
/// The daemon's HTTP endpoint on a free 127.0.0.1 port, against the real engine: the token is asked for everywhere but
/// /healthz; a run started over the API with a tag is followed to its end and its set carries the tag in list --json
/// and the API; an unknown job is 404; a second run while one holds the job is 409; /metrics passes
/// `promtool check metrics` after successful, failed and triggered runs and agrees with status --json.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class HttpEndpointTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public HttpEndpointTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task Api_TokenTaggedRunUnknownJobBusyJobAndMetrics_AnswerAsDocumented()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("http", ct);
        var sleeper = await scope.StartSleeperAsync(ct);
        var events = workspace.Job("events");
        var broken = workspace.Job("broken");
        var held = workspace.Job("held");
        var port = TcpPorts.Free();
        var (tokenFile, token) = HttpDaemon.WriteToken(workspace);
        workspace.WriteConfig(HttpDaemon.Config(port, tokenFile) + $$"""
            jobs:
              {{events}}:
                sources:
                  - volume: {{volume}}
              {{broken}}:
                sources:
                  - volume: missing-{{_docker.TestRunId}}
              {{held}}:
                hooks:
                  before:
                    - container: {{sleeper}}
                      command: ["sh", "-c", "touch /tmp/waiting; while [ ! -e /tmp/go ]; do sleep 0.1; done"]
                      timeout: 3m
                sources:
                  - volume: {{volume}}
            """);
        await using var daemon = await HttpDaemon.StartAsync(workspace, port, token, ct);

        // The token: asked for on the API, the page and /metrics; /healthz is open; a refusal is logged without it.
        foreach (var path in new[] { "api/v1/status", "metrics", string.Empty })
        {
            using var none = await daemon.Anonymous.GetAsync(path, ct);
            none.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"GET /{path} without a token");
            using var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token[..^1] + "x") } };
            using var wrongAnswer = await daemon.Anonymous.SendAsync(wrong, ct);
            wrongAnswer.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"GET /{path} with a wrong token");
        }

        using (var post = await daemon.Anonymous.PostAsync($"api/v1/jobs/{events}/runs", null, ct))
        {
            post.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "starting a run needs the token");
        }

        daemon.Process.OutputSoFar.Should().Contain("refused (401)").And.NotContain(token).And.NotContain(token[..^1] + "x");
        workspace.SetDirectories(events).Should().BeEmpty("nothing ran for a request without the token");

        // An unknown job, and a tag that is not one.
        using (var unknown = await daemon.Authorized.PostAsync("api/v1/jobs/no-such-job/runs", null, ct))
        {
            unknown.StatusCode.Should().Be(HttpStatusCode.NotFound, await unknown.Content.ReadAsStringAsync(ct));
        }

        using (var badTag = await daemon.Authorized.PostAsync($"api/v1/jobs/{events}/runs", Json("""{"tag":"no spaces/allowed"}"""), ct))
        {
            badTag.StatusCode.Should().Be(HttpStatusCode.BadRequest, await badTag.Content.ReadAsStringAsync(ct));
        }

        // A tagged run: 202 with its id and Location, followed to success; its set carries the tag everywhere.
        using var accepted = await daemon.Authorized.PostAsync($"api/v1/jobs/{events}/runs", Json("""{"tag":"gallery-42"}"""), ct);
        var acceptedText = await accepted.Content.ReadAsStringAsync(ct);
        accepted.StatusCode.Should().Be(HttpStatusCode.Accepted, acceptedText);
        var runId = JsonDocument.Parse(acceptedText).RootElement.GetProperty("run_id").GetString()!;
        accepted.Headers.Location!.ToString().Should().Be($"/api/v1/runs/{runId}");
        var run = await daemon.WaitForRunAsync(runId, ct);
        run.GetProperty("status").GetString().Should().Be("succeeded", run.ToString());
        run.GetProperty("tag").GetString().Should().Be("gallery-42");
        var set = run.GetProperty("set").GetString()!;
        set.Should().EndWith(runId);

        var list = await workspace.RunAsync(ct, "list", events, "--json");
        list.ExitCode.Should().Be(0, list.ToString());
        var listed = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("sets").EnumerateArray().Single();
        listed.GetProperty("set").GetString().Should().Be(set);
        listed.GetProperty("tag").GetString().Should().Be("gallery-42");
        listed.GetProperty("run_id").GetString().Should().Be(runId);
        var table = await workspace.RunAsync(ct, "list", events);
        table.Stdout.Should().Contain("TAG").And.Contain("gallery-42");
        var apiSets = await daemon.GetJsonAsync($"api/v1/jobs/{events}/sets", ct);
        apiSets.GetProperty("sets").EnumerateArray().Single().GetProperty("tag").GetString().Should().Be("gallery-42");
        File.ReadAllText(Path.Combine(workspace.StorePath, events, set, "manifest.json")).Should().Contain("\"tag\": \"gallery-42\"");
        using (var unknownSets = await daemon.Authorized.GetAsync("api/v1/jobs/no-such-job/sets", ct))
        {
            unknownSets.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        // A failed run, started over the API without a body.
        using var failing = await daemon.Authorized.PostAsync($"api/v1/jobs/{broken}/runs", null, ct);
        failing.StatusCode.Should().Be(HttpStatusCode.Accepted, await failing.Content.ReadAsStringAsync(ct));
        var failed = await daemon.WaitForRunAsync(JsonDocument.Parse(await failing.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("run_id").GetString()!, ct);
        failed.GetProperty("status").GetString().Should().Be("failed", failed.ToString());

        // A run that holds its job (its before-hook waits): a second request is 409 and starts nothing.
        using var first = await daemon.Authorized.PostAsync($"api/v1/jobs/{held}/runs", null, ct);
        first.StatusCode.Should().Be(HttpStatusCode.Accepted, await first.Content.ReadAsStringAsync(ct));
        var heldId = JsonDocument.Parse(await first.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("run_id").GetString()!;
        while ((await HostProcess.RunAsync("docker", ["exec", sleeper, "test", "-e", "/tmp/waiting"], ct)).ExitCode != 0)
        {
            await Task.Delay(100, ct);
        }

        using (var second = await daemon.Authorized.PostAsync($"api/v1/jobs/{held}/runs", Json("""{"tag":"again"}"""), ct))
        {
            second.StatusCode.Should().Be(HttpStatusCode.Conflict, await second.Content.ReadAsStringAsync(ct));
        }

        (await daemon.GetJsonAsync($"api/v1/runs/{heldId}", ct)).GetProperty("status").GetString().Should().Be("running");
        await DockerCli.RunAsync(ct, "exec", sleeper, "touch", "/tmp/go");
        (await daemon.WaitForRunAsync(heldId, ct)).GetProperty("status").GetString().Should().Be("succeeded");
        workspace.SetDirectories(held).Should().ContainSingle("the refused request started no second run");

        // /metrics: valid for promtool, and the values are status --json's.
        var metrics = await daemon.Authorized.GetStringAsync("metrics", ct);
        _output.WriteLine($"--- /metrics ---\n{metrics}");
        var promtool = await HostProcess.RunAsync("promtool", ["check", "metrics"], ct, new MemoryStream(Encoding.UTF8.GetBytes(metrics)));
        promtool.ExitCode.Should().Be(0, $"promtool check metrics: {promtool.Stdout}{promtool.Stderr}");
        var status = await workspace.RunAsync(ct, "status", "--json");
        status.ExitCode.Should().Be(0, status.ToString());
        var jobs = JsonDocument.Parse(status.Stdout).RootElement.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("job").GetString()!);
        foreach (var job in new[] { events, broken, held })
        {
            var last = jobs[job].GetProperty("last_run");
            Sample(metrics, "volume_agent_job_last_run_stored_bytes", job).Should().Be(last.GetProperty("stored_bytes").GetInt64());
            Sample(metrics, "volume_agent_job_last_run_raw_bytes", job).Should().Be(last.GetProperty("raw_bytes").GetInt64());
            Sample(metrics, "volume_agent_job_last_run_artifacts", job).Should().Be(last.GetProperty("artifacts").GetInt32());
            Sample(metrics, "volume_agent_job_last_run_failed_artifacts", job).Should().Be(last.GetProperty("failed_artifacts").GetInt32());
            Sample(metrics, "volume_agent_job_last_run_success", job).Should().Be(last.GetProperty("status").GetString() == "succeeded" ? 1 : 0);
            Sample(metrics, "volume_agent_job_last_run_start_timestamp_seconds", job)
                .Should().BeApproximately(last.GetProperty("started_at").GetDateTimeOffset().ToUnixTimeMilliseconds() / 1000.0, 0.001);
            Sample(metrics, "volume_agent_job_last_run_end_timestamp_seconds", job)
                .Should().BeApproximately(last.GetProperty("finished_at").GetDateTimeOffset().ToUnixTimeMilliseconds() / 1000.0, 0.001);
            Sample(metrics, "volume_agent_job_scheduled", job).Should().Be(0, "the jobs run on demand only");
        }

        Sample(metrics, "volume_agent_job_last_run_success", broken).Should().Be(0);
        Sample(metrics, "volume_agent_job_last_run_success", events).Should().Be(1);
        metrics.Should().Contain($"volume_agent_job_runs_total{{job=\"{broken}\",outcome=\"failed\"}} 1");
        metrics.Should().Contain($"volume_agent_job_runs_total{{job=\"{events}\",outcome=\"succeeded\"}} 1");
        metrics.Should().Contain("volume_agent_build_info{version=");
        jobs[events].GetProperty("last_run").GetProperty("tag").GetString().Should().Be("gallery-42", "status --json carries the tag too");

        // The API's status is status --json's report.
        var apiStatus = await daemon.GetJsonAsync("api/v1/status", ct);
        apiStatus.GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("job").GetString()).Should().Equal(events, broken, held);
        await daemon.Process.TerminateAsync(ct);
        var stopped = await daemon.Process.WaitAsync(TimeSpan.FromSeconds(60), ct);
        stopped.ExitCode.Should().Be(0, "the daemon stops cleanly with its endpoint: " + stopped);
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The value of <paramref name="name"/>'s sample labelled with just this job.</summary>
    private static double Sample(string metrics, string name, string job)
    {
        var prefix = $"{name}{{job=\"{job}\"}} ";
        var line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No sample {prefix.Trim()} in /metrics.");
        return double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }
}

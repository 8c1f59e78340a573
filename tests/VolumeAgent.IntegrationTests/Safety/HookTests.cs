using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.Sources.Shared.Exec;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>Before-hooks gate a run; after-hooks always run.</summary>
[Collection(DockerTests.Faults)]
public sealed class HookTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public HookTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_BeforeHookFails_JobFailsWithNoSetWritten()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookfail");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  before:
                    - container: {app}
                      command: ["sh", "-c", "echo flushing; echo cannot flush >&2; exit 3"]
                sources:
                  - volume: {volume}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("before hook 1").And.Contain("exited with code 3").And.Contain("cannot flush");
        result.Stdout.Should().Contain($"job {job}: FAILED, no set written: The before hook 1").And.NotContain("set :", "no set was written, so none is named");
        workspace.SetDirectories(job).Should().BeEmpty("a run whose before-hook failed touches nothing and writes no set");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_BeforeHookTimesOut_JobFailsWithNoSetAndTheHookIsStopped()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookslow");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  before:
                    - container: {app}
                      command: ["sleep", "97"]
                      timeout: 2s
                sources:
                  - volume: {volume}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain("before hook 1").And.Contain("did not finish within its timeout of 2s");
        workspace.SetDirectories(job).Should().BeEmpty("a run whose before-hook timed out writes no set");
        var processes = await ProcessListAsync(app, cts.Token);
        processes.Should().NotContain("sleep 97", "a hook that timed out is stopped, not left running in the container");
    }

    [Fact]
    public async Task RunNow_JobFails_AfterHookStillRuns()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, _) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookafter");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  after:
                    - container: {app}
                      command: ["sh", "-c", "date > /tmp/after-hook-ran"]
                sources:
                  - volume: no-such-volume-{_docker.TestRunId}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Output.Should().Contain($"no-such-volume-{_docker.TestRunId}");
        var marker = await ExecAsync(app, ["cat", "/tmp/after-hook-ran"], cts.Token);
        marker.ExitCode.Should().Be(0, "the after-hook ran although the job failed");
        workspace.SetDirectories(job).Should().ContainSingle("the failed run wrote its set with a failed manifest");
    }

    [Fact]
    public async Task RunNow_AfterHookFails_RunReportsFailedThoughItsSetIsComplete()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("afterfails");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  after:
                    - container: {app}
                      command: ["sh", "-c", "echo cleanup went wrong >&2; exit 3"]
                sources:
                  - volume: {volume}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, $"a failed after-hook fails the run; {result}");
        result.Output.Should().Contain("after hook 1").And.Contain("cleanup went wrong");
        var set = await BackupSet.ReadAsync(workspace.SetDirectories(job).Should().ContainSingle().Subject, cts.Token);
        await set.VerifyAsync(job, "succeeded", cts.Token);
    }

    [Fact]
    public async Task RunNow_AfterHook_GetsTheRunsResultInItsEnvironmentAndRunsAsItsUser()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var (app, volume) = await AppAsync(scope, cts.Token);
        var job = workspace.Job("hookenv");
        workspace.WriteConfig($"""
            jobs:
              {job}:
                hooks:
                  before:
                    - container: {app}
                      command: ["sh", "-c", "echo \"$VOLUME_AGENT_JOB $VOLUME_AGENT_RUN_ID\" > /tmp/before-env"]
                  after:
                    - container: {app}
                      user: "1234:1234"
                      command: ["sh", "-c", "env | grep '^VOLUME_AGENT_' > /tmp/after-env; printf '%s' \"$VOLUME_AGENT_ARTIFACTS\" > /tmp/after-artifacts; id -u >> /tmp/after-env"]
                sources:
                  - volume: {volume}
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        var setName = Path.GetFileName(workspace.SetDirectories(job).Should().ContainSingle().Subject);
        var runId = setName[(setName.IndexOf('-', StringComparison.Ordinal) + 1)..];
        var env = (await ExecAsync(app, ["cat", "/tmp/after-env"], cts.Token)).Text;
        env.Should().Contain($"VOLUME_AGENT_JOB={job}\n").And.Contain($"VOLUME_AGENT_RUN_ID={runId}\n").And.Contain("VOLUME_AGENT_STATUS=succeeded\n")
            .And.Contain($"VOLUME_AGENT_SET={setName}\n").And.Contain($"VOLUME_AGENT_STORAGES={AgentWorkspace.StorageName}\n");
        env.TrimEnd().Should().EndWith("1234", "the hook ran as the user it names");
        var artifacts = (await ExecAsync(app, ["cat", "/tmp/after-artifacts"], cts.Token)).Text;
        artifacts.Should().Be($"{job}/{setName}/volume-{volume}.tar.gz");
        File.Exists(Path.Combine(workspace.StorePath, artifacts)).Should().BeTrue("the key is the artifact's path inside the storage");
        (await ExecAsync(app, ["cat", "/tmp/before-env"], cts.Token)).Text.Trim().Should().Be($"{job} {runId}");
    }

    private async Task<(string App, string Volume)> AppAsync(TestScope scope, CancellationToken cancellationToken)
    {
        var volume = await scope.CreateVolumeAsync("hook-data", cancellationToken);
        var app = await StopContainersTests.StartAppAsync(scope, _docker, [new Mount { Type = "volume", Source = volume, Target = "/data" }], cancellationToken);
        return (app, volume);
    }

    private async Task<string> ProcessListAsync(string container, CancellationToken cancellationToken)
    {
        var result = await ExecAsync(container, ["sh", "-c", "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done"], cancellationToken);
        return result.Text;
    }

    private Task<ExecOutput> ExecAsync(string container, IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        ContainerExec.RunAsync(_docker.Client, container, command, cancellationToken);
}

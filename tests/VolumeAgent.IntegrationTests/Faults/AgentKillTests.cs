using System.Diagnostics;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.IntegrationTests.S3;
using VolumeAgent.IntegrationTests.Safety;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// The agent SIGKILLed (no handler runs) in a phase of a run: in its before-hook, while committing the set, in
/// retention, and in a restore. The phase is held open by something real (a hook that takes its time, an S3 server
/// that does not answer one request, a restore of a large archive), the agent killed in it, and the next start must
/// repair what it can, report it, and succeed. Killed while archiving, and while containers are stopped, are shown by
/// <c>CrashRecoveryTests</c> and <c>StopContainersTests</c>; killed while dumping is in <see cref="DatabaseFaultTests"/>.
/// </summary>
[Collection(DockerTests.Faults)]
[Trait("Category", "Fault")]
public sealed class AgentKillTests : IClassFixture<S3ServerFixture>
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private readonly S3ServerFixture _s3;
    private readonly ITestOutputHelper _output;

    public AgentKillTests(DockerFixture docker, S3ServerFixture s3, ITestOutputHelper output)
    {
        _docker = docker;
        _s3 = s3;
        _output = output;
        _s3.Proxy.Rule = _ => Fault.None;
    }

    [Fact]
    public async Task KilledInItsBeforeHook_NextStartEndsTheHookLeftRunningAndSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "agent SIGKILLed in its before-hook", cts.Token);
        var volume = await scope.CreateVolumeAsync("hooked", cts.Token);
        var app = await StopContainersTests.StartAppAsync(scope, _docker, [new Mount { Type = "volume", Source = volume, Target = "/data" }], cts.Token);
        fault.Containers.Add(app);
        var job = workspace.Job("hookkill");
        string Config(string hook) => $"""
            jobs:
              {job}:
                hooks:
                  before:
                    - {"{"} container: {app}, command: ["sh", "-c", "{hook}"], timeout: 10m {"}"}
                sources:
                  - volume: {volume}
            """;
        await fault.EarlierSetAsync(job, Config("true"), cts.Token);

        // A before-hook that takes its time (a flush, a checkpoint): the agent dies while it runs.
        workspace.WriteConfig(Config("sleep 600"));
        await using (var run = await workspace.StartAsync(cts.Token, "run-now", job))
        {
            await DaemonWait.UntilAsync("the before-hook to run", TimeSpan.FromSeconds(60), async () =>
            {
                var execs = await _docker.Client.InspectExecsAsync(app, cts.Token);
                return (execs.Any(e => e.Running), run.OutputSoFar);
            }, cts.Token);
            await run.KillAsync();
            fault.Injected();
        }

        workspace.WriteConfig(Config("true"));
        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.RepairedAtNextStart, "the hook kept running in the container after the agent died; the next start ended it and said so")
            {
                Repairs = [$"container {app}", "an interrupted run"],
            },
            cts.Token);
    }

    [Fact]
    public async Task KilledWhileCommittingTheSet_TheSetStaysIncomplete_NextRunSucceedsAndRetentionRemovesIt()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "agent SIGKILLed while committing the set (S3)", cts.Token);
        var (job, prefix) = await S3JobAsync(workspace, docker, "commitkill", "keep_last: 3", cts.Token);
        var earlier = await S3EarlierSetAsync(workspace, fault, job, prefix, cts.Token);

        var committing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _s3.Proxy.Rule = r =>
        {
            if (r.Method == "PUT" && r.Target.Contains("SHA256SUMS", StringComparison.Ordinal))
            {
                committing.TrySetResult();
                return Fault.Hang;
            }

            return Fault.None;
        };
        string killedSet;
        await using (var run = await workspace.StartAsync(cts.Token, "run-now", job))
        {
            await committing.Task.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);
            await run.KillAsync();
            fault.Injected();
            _s3.Proxy.Rule = _ => Fault.None;
            killedSet = (await SetNamesAsync(prefix + job + "/")).Single(s => s != earlier);
        }

        (await ObjectNamesAsync($"{prefix}{job}/{killedSet}/")).Should().NotContain("manifest.json", "the killed run's set never got its manifest");
        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.RepairedAtNextStart, "the set was left without SHA256SUMS and manifest (listed incomplete); the next run's retention removed it")
            {
                Repairs = [killedSet],
            },
            cts.Token);
        (await SetNamesAsync(prefix + job + "/")).Should().NotContain(killedSet, "the incomplete set older than the newest good one is removed by retention");
    }

    [Fact]
    public async Task KilledInRetention_TheHalfDeletedSetIsIncomplete_NextRunFinishesTheJob()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "agent SIGKILLed in retention (S3)", cts.Token);
        var (job, prefix) = await S3JobAsync(workspace, docker, "prunekill", "keep_last: 2", cts.Token);
        var oldest = await S3EarlierSetAsync(workspace, fault, job, prefix, cts.Token, keep: false);
        await S3EarlierSetAsync(workspace, fault, job, prefix, cts.Token, keep: false);

        // The third run's retention deletes the oldest set: the agent dies on its second object (manifest.json went first).
        var deletes = 0;
        var pruning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _s3.Proxy.Rule = r =>
        {
            if (r.Method == "DELETE" && r.UploadId is null && r.Target.Contains(oldest, StringComparison.Ordinal) && Interlocked.Increment(ref deletes) == 2)
            {
                pruning.TrySetResult();
                return Fault.Hang;
            }

            return Fault.None;
        };
        await using (var run = await workspace.StartAsync(cts.Token, "run-now", job))
        {
            await pruning.Task.WaitAsync(TimeSpan.FromMinutes(2), cts.Token);
            await run.KillAsync();
            fault.Injected();
            _s3.Proxy.Rule = _ => Fault.None;
        }

        var names = await SetNamesAsync(prefix + job + "/");
        var killedRunsSet = names.Order(StringComparer.Ordinal).Last();
        (await ObjectNamesAsync($"{prefix}{job}/{oldest}/")).Should().NotContain("manifest.json", "retention deletes a set's manifest first");
        var snapshot = await ObjectsAsync($"{prefix}{job}/{killedRunsSet}/");
        fault.KeepIntact(job, killedRunsSet, async _ => (await ObjectsAsync($"{prefix}{job}/{killedRunsSet}/")).Should().Equal(snapshot));

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.RepairedAtNextStart, "the set being deleted was left without its manifest (listed incomplete); the killed run's own set was complete; the next run's retention finished the job")
            {
                Repairs = [oldest],
            },
            cts.Token);
        (await SetNamesAsync(prefix + job + "/")).Should().HaveCount(2).And.Contain(killedRunsSet).And.NotContain(oldest);
    }

    [Fact]
    public async Task KilledInARestore_NextStartRemovesTheRestoreHelper_TheRestoreRunAgainSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var fault = await FaultCase.BeginAsync(_docker, workspace, _output, "agent SIGKILLed in a restore", cts.Token);
        var volume = await scope.CreateVolumeAsync("restore-source", cts.Token);
        await ShellAsync(scope, volume, "head -c 67108864 /dev/urandom > /data/chunk && cat /data/chunk /data/chunk /data/chunk > /data/large.bin && rm /data/chunk", cts.Token);
        var job = workspace.Job("restorekill");
        await fault.EarlierSetAsync(job, $"""
            jobs:
              {job}:
                compression: none
                sources:
                  - volume: {volume}
            """, cts.Token);
        var target = await scope.CreateVolumeAsync("restore-target", cts.Token);
        await ShellAsync(scope, target, "echo before > /data/old.txt", cts.Token);
        string[] restore = ["restore", $"{job}/latest", "--to-volume", target, "--force", "--yes"];

        await using (var run = await workspace.StartAsync(cts.Token, restore))
        {
            var waited = Stopwatch.StartNew();
            while (!(await workspace.AgentContainersAsync(cts.Token)).Any(c => c.Labels?.TryGetValue(AgentLabelNames.Role, out var role) == true && role == "restore"))
            {
                run.HasExited.Should().BeFalse($"the restore must still run: {run.OutputSoFar}");
                waited.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(60), "a restore helper appears");
                await Task.Delay(50, cts.Token);
            }

            await run.KillAsync();
            fault.Injected();
            _output.WriteLine($"--- killed the restore: {run.OutputSoFar}");
        }

        await fault.ExpectAsync(
            new FaultExpectation(FaultResult.RepairedAtNextStart, "the target volume held a partial restore; the next start removed the restore helper; the restore run again replaced it whole")
            {
                NextRun = [.. restore, "-v"],
                Repairs = ["Removed container", "an interrupted run"],
                Lost = "nothing: the target's content before the restore is in the pre-restore safety copy",
            },
            cts.Token);
        var want = await ShellAsync(scope, volume, "sha256sum /data/large.bin", cts.Token);
        (await ShellAsync(scope, target, "sha256sum /data/large.bin", cts.Token)).Should().Be(want, "the restore run again is whole");
    }

    /// <summary>A job backing up a small volume to the S3 fixture (through its fault proxy); returns the job and the prefix.</summary>
    private async Task<(string Job, string Prefix)> S3JobAsync(AgentWorkspace workspace, CliDocker docker, string name, string retention, CancellationToken cancellationToken)
    {
        var source = await docker.CreateVolumeAsync(name, cancellationToken);
        await docker.ShellAsync(source, "head -c 1M /dev/urandom > /data/random.bin", cancellationToken);
        var job = workspace.Job(name);
        var prefix = S3Workspace.Configure(workspace, _s3, $"""
            jobs:
              {job}:
                retention: {"{"} {retention} {"}"}
                sources:
                  - volume: {source}
            """);
        return (job, prefix);
    }

    /// <summary>Runs the job once (it must succeed); returns its new set's name, kept intact by the fault case when <paramref name="keep"/>.</summary>
    private async Task<string> S3EarlierSetAsync(AgentWorkspace workspace, FaultCase fault, string job, string prefix, CancellationToken cancellationToken, bool keep = true)
    {
        var before = await SetNamesAsync(prefix + job + "/");
        var result = await workspace.RunAsync(cancellationToken, "run-now", job);
        result.ExitCode.Should().Be(0, $"the earlier run must succeed: {result}");
        fault.Job = job;
        var set = (await SetNamesAsync(prefix + job + "/")).Except(before).Should().ContainSingle().Subject;
        if (keep)
        {
            var snapshot = await ObjectsAsync($"{prefix}{job}/{set}/");
            fault.KeepIntact(job, set, async _ => (await ObjectsAsync($"{prefix}{job}/{set}/")).Should().Equal(snapshot, "a fault never touches an earlier set"));
        }

        return set;
    }

    private async Task<IReadOnlyList<string>> SetNamesAsync(string jobPrefix) =>
        [.. (await _s3.ListAsync(jobPrefix, CancellationToken.None)).Select(o => o.Key[jobPrefix.Length..]).Where(k => k.Contains('/', StringComparison.Ordinal))
            .Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct().Order(StringComparer.Ordinal)];

    private async Task<IReadOnlyList<string>> ObjectNamesAsync(string setPrefix) =>
        [.. (await _s3.ListAsync(setPrefix, CancellationToken.None)).Select(o => o.Key[setPrefix.Length..])];

    /// <summary>Every object of a set: name, size and ETag, sorted.</summary>
    private async Task<IReadOnlyList<string>> ObjectsAsync(string setPrefix) =>
        [.. (await _s3.ListAsync(setPrefix, CancellationToken.None)).Select(o => $"{o.Key[setPrefix.Length..]} {o.Size} {o.ETag}").Order(StringComparer.Ordinal)];

    private async Task<string> ShellAsync(TestScope scope, string volume, string script, CancellationToken cancellationToken)
    {
        var result = await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", script],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }],
                },
            },
            cancellationToken);
        result.ExitCode.Should().Be(0, result.Stderr);
        return result.Stdout.Split(' ')[0];
    }
}

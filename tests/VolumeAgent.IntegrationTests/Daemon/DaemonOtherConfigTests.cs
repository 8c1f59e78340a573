using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IO;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// Two configurations on one host (or in one agent container), A with a daemon and B without: B's commands never
/// use A's daemon. Found by default they pass it over and run B themselves; through the socket
/// $VOLUME_AGENT_CONTROL names they are refused, naming both files, and nothing runs. A's commands, however they
/// name A's file, still reach A's daemon. In the agent's container, a restic storage without <c>image</c> runs its
/// helpers from the agent's own image.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class DaemonOtherConfigTests
{
    private const string ControlVariable = "VOLUME_AGENT_CONTROL";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public DaemonOtherConfigTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNowStatusHealth_OfBWhereADaemonOfAListens_RunBInThisProcessAndLeaveAAlone()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var a = AgentWorkspace.Create(_docker, _output);
        await using var b = AgentWorkspace.Create(_docker, _output);
        var (jobA, jobB) = await WriteConfigsAsync(scope, a, b, ct);
        // A's daemon listens where B's commands look first: B's state directory. (A daemon run as root on the host
        // listens on /run/volume-agent/control.sock, where every configuration's commands look: the same case.)
        var socket = Path.Combine(b.StateDir, "control.sock");
        a.Variables[ControlVariable] = socket;
        b.Variables.Remove(ControlVariable);
        await using var daemon = await StartDaemonAsync(a, ct);

        var runNow = await b.RunAsync(ct, "run-now");
        var status = await b.RunAsync(ct, "status");
        var health = await b.RunAsync(ct, "health");

        _output.WriteLine($"--- daemon of A ---\n{daemon.OutputSoFar}");
        var passedOver = $"Not using the daemon on {socket}: it runs {RealPath.Of(a.ConfigPath)} (state_dir {RealPath.Of(a.StateDir)}), not {RealPath.Of(b.ConfigPath)}.";
        runNow.ExitCode.Should().Be(0, runNow.ToString());
        b.SetDirectories(jobB).Should().ContainSingle("B's job ran, in the command's own process");
        a.SetDirectories(jobA).Should().BeEmpty("A's daemon ran nothing for B's command");
        runNow.Stderr.Should().Contain(passedOver);
        daemon.OutputSoFar.Should().NotContain("Run-now of");
        status.ExitCode.Should().Be(0, status.ToString());
        status.Stdout.Should().Contain(jobB).And.NotContain(jobA).And.Contain("daemon not running");
        health.ExitCode.Should().Be(1, health.ToString());
        health.Stdout.Should().Contain(passedOver).And.Contain($"unhealthy: no daemon of {RealPath.Of(b.ConfigPath)} answers");
    }

    [Fact]
    public async Task RunNow_OfBThroughTheSocketOfADaemonOfA_IsRefusedNamingBothWhileAByAnotherPathIsServed()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var a = AgentWorkspace.Create(_docker, _output);
        await using var b = AgentWorkspace.Create(_docker, _output);
        var (jobA, jobB) = await WriteConfigsAsync(scope, a, b, ct);
        var socket = Path.Combine(a.Root, "control.sock");
        a.Variables[ControlVariable] = socket;
        b.Variables[ControlVariable] = socket;
        await using var daemon = await StartDaemonAsync(a, ct);

        var runNow = await b.RunAsync(ct, "run-now", jobB);
        var status = await b.RunAsync(ct, "status");
        var health = await b.RunAsync(ct, "health");

        var refusal = $"The daemon on {socket} (${ControlVariable}) runs {RealPath.Of(a.ConfigPath)} (state_dir {RealPath.Of(a.StateDir)}), "
            + $"not {RealPath.Of(b.ConfigPath)} (state_dir {RealPath.Of(b.StateDir)}); it did nothing.";
        runNow.ExitCode.Should().Be(2, runNow.ToString());
        runNow.Stderr.Should().Contain(refusal).And.Contain($"--config {RealPath.Of(a.ConfigPath)}").And.Contain("--no-daemon");
        status.ExitCode.Should().Be(2, status.ToString());
        status.Stderr.Should().Contain(refusal);
        status.Stdout.Should().NotContain(jobA);
        health.ExitCode.Should().Be(1, health.ToString());
        health.Stdout.Should().Contain("unhealthy: " + refusal);
        b.SetDirectories(jobB).Should().BeEmpty("a refused command runs nothing");
        a.SetDirectories(jobA).Should().BeEmpty("A's daemon ran nothing for B's command");

        // A's own file, named through a link: the same configuration, which the daemon serves.
        var link = Path.Combine(b.Root, "a-link.yml");
        File.CreateSymbolicLink(link, a.ConfigPath);
        var throughLink = await AgentCli.RunAsync(["run-now", "-c", link], ct, environment: a.Variables);
        _output.WriteLine($"--- run-now -c {link}: {throughLink}\n--- daemon of A ---\n{daemon.OutputSoFar}");
        throughLink.ExitCode.Should().Be(0, throughLink.ToString());
        a.SetDirectories(jobA).Should().ContainSingle("the daemon ran A's job");
        daemon.OutputSoFar.Should().Contain("Run-now of").And.Contain("requested on the control socket");

        var inProcess = await b.RunAsync(ct, "run-now", "--no-daemon");
        inProcess.ExitCode.Should().Be(0, inProcess.ToString());
        b.SetDirectories(jobB).Should().ContainSingle("--no-daemon runs B in the command's own process");
    }

    [Fact]
    public async Task InTheImage_RunNowOfAnotherConfigRunsItInProcess_WhileRunNowOfTheImagesConfigStillReachesTheDaemon()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await _docker.RequireImageAsync(TestImages.Helper, ct);
        await AgentImage.EnsureBuiltAsync(ct);
        await using var scope = _docker.CreateScope(_output);
        var jobA = $"imga-{_docker.TestRunId}";
        var jobB = $"imgb-{_docker.TestRunId}";
        var volumeA = await scope.CreateVolumeAsync("imga", ct);
        var volumeB = await scope.CreateVolumeAsync("imgb", ct);
        var folderB = Directory.CreateTempSubdirectory("va-test-config-b-").FullName;
        try
        {
            // B has its own state_dir and jobs; both keep their sets in /backups, in folders named after their jobs.
            await File.WriteAllTextAsync(Path.Combine(folderB, "b.yml"), ImageConfig(jobB, volumeB, "state_dir: /var/lib/volume-agent-b\n"), ct);
            await File.WriteAllTextAsync(Path.Combine(folderB, "r.yml"), ResticWithoutImage(jobB, volumeB), ct);
            await File.WriteAllTextAsync(Path.Combine(folderB, "restic-password"), "image-test\n", ct);
            await using var agent = await AgentContainer.StartAsync(
                _docker, ImageConfig(jobA, volumeA, string.Empty), ct, detach: true, "-v", $"{Path.Combine(folderB, "b.yml")}:/etc/volume-agent/b.yml:ro",
                "-v", $"{Path.Combine(folderB, "r.yml")}:/etc/volume-agent/r.yml:ro", "-v", $"{Path.Combine(folderB, "restic-password")}:/etc/volume-agent/restic-password:ro");
            agent.Started.ExitCode.Should().Be(0, agent.Started.ToString());
            await DaemonWait.UntilAsync(
                "the daemon to answer health on its control socket",
                TimeSpan.FromSeconds(60),
                async () =>
                {
                    var health = await CommandLine.DockerAsync(ct, "exec", agent.Name, "health");
                    return (health.ExitCode == 0, health.Output);
                },
                ct);
            var setsOfA = () => SetDirectories(agent.BackupDirectory, jobA);
            var setsOfB = () => SetDirectories(agent.BackupDirectory, jobB);

            var runNowB = await CommandLine.DockerAsync(ct, "exec", agent.Name, "run-now", "--config", "/etc/volume-agent/b.yml");
            var statusB = await CommandLine.DockerAsync(ct, "exec", agent.Name, "status", "--config", "/etc/volume-agent/b.yml");
            _output.WriteLine($"run-now --config b.yml: {runNowB}\nstatus --config b.yml: {statusB}");

            runNowB.ExitCode.Should().Be(0, runNowB.ToString());
            setsOfB().Should().ContainSingle("B's job ran, in the command's own process");
            setsOfA().Should().BeEmpty("the daemon ran nothing for B's command");
            runNowB.Stderr.Should().Contain(
                "Not using the daemon on /run/volume-agent/control.sock: it runs /etc/volume-agent/backup.yml (state_dir /var/lib/volume-agent), not /etc/volume-agent/b.yml.");
            statusB.ExitCode.Should().Be(0, statusB.ToString());
            statusB.Stdout.Should().Contain(jobB).And.NotContain(jobA);

            var refused = await CommandLine.RunAsync(
                "docker", ["exec", "-e", "VOLUME_AGENT_CONTROL=/run/volume-agent/control.sock", agent.Name, "run-now", "--config", "/etc/volume-agent/b.yml"], ct);
            refused.ExitCode.Should().Be(2, refused.ToString());
            refused.Stderr.Should().Contain(
                "The daemon on /run/volume-agent/control.sock ($VOLUME_AGENT_CONTROL) runs /etc/volume-agent/backup.yml (state_dir /var/lib/volume-agent), "
                + "not /etc/volume-agent/b.yml (state_dir /var/lib/volume-agent-b); it did nothing.");
            setsOfB().Should().ContainSingle("a refused command runs nothing");

            var runNowA = await CommandLine.DockerAsync(ct, "exec", agent.Name, "run-now");
            var logs = await CommandLine.DockerAsync(ct, "logs", agent.Name);
            _output.WriteLine($"run-now: {runNowA}\ndaemon log:\n{logs.Output}");
            runNowA.ExitCode.Should().Be(0, runNowA.ToString());
            setsOfA().Should().ContainSingle("`docker exec agent run-now` runs the image's configuration");
            logs.Output.Should().Contain("requested on the control socket", "it went through the daemon");

            // A restic storage without `image`, in the agent's container: its helpers run the agent's own image, which has restic.
            var restic = await CommandLine.DockerAsync(ct, "exec", agent.Name, "validate", "--config", "/etc/volume-agent/r.yml");
            restic.ExitCode.Should().Be(0, restic.ToString());
            restic.Stdout.Should().MatchRegex(@"storage 'vault': restic 0\.(1[4-9]|[2-9][0-9])\.[0-9]+ in image the agent's own, " + AgentImage.Tag + @" \(sha256:[0-9a-f]{12}\)");
        }
        finally
        {
            Directory.Delete(folderB, recursive: true);
        }
    }

    /// <summary>Configuration A backs up one volume in job cfga-…, B another in job cfgb-…, each with its own state_dir and storage.</summary>
    private static async Task<(string JobA, string JobB)> WriteConfigsAsync(TestScope scope, AgentWorkspace a, AgentWorkspace b, CancellationToken ct)
    {
        var jobA = a.Job("cfga");
        var jobB = b.Job("cfgb");
        var volumeA = await scope.CreateVolumeAsync("cfga", ct);
        var volumeB = await scope.CreateVolumeAsync("cfgb", ct);
        a.WriteConfig($"""
            jobs:
              {jobA}:
                sources:
                  - volume: {volumeA}
            """);
        b.WriteConfig($"""
            jobs:
              {jobB}:
                sources:
                  - volume: {volumeB}
            """);
        return (jobA, jobB);
    }

    private static string ImageConfig(string job, string volume, string stateDir) => $"""
        helper_image: {TestImages.Helper}
        {stateDir}storage:
          local: {"{"} type: local, path: /backups {"}"}
        jobs:
          {job}:
            sources:
              - volume: {volume}
        """;

    /// <summary>A restic storage with no <c>image</c>: in the agent's container, its own image runs restic.</summary>
    private static string ResticWithoutImage(string job, string volume) => $"""
        helper_image: {TestImages.Helper}
        state_dir: /var/lib/volume-agent-r
        storage:
          vault: {"{"} type: restic, repository: /backups/restic, password_file: /etc/volume-agent/restic-password, init: true {"}"}
        jobs:
          {job}:
            storage: [vault]
            compression: none
            sources:
              - volume: {volume}
        """;

    private static string[] SetDirectories(string backups, string job) =>
        Directory.Exists(Path.Combine(backups, job)) ? [.. Directory.GetDirectories(Path.Combine(backups, job)).Where(d => new DirectoryInfo(d).LinkTarget is null)] : [];

    /// <summary>Starts `volume-agent daemon` for the workspace and waits until it answers `health`.</summary>
    private static async Task<AgentRun> StartDaemonAsync(AgentWorkspace workspace, CancellationToken ct)
    {
        var daemon = await workspace.StartAsync(ct, "daemon");
        try
        {
            await DaemonWait.UntilAsync(
                "the daemon to answer health on its control socket",
                TimeSpan.FromSeconds(60),
                async () =>
                {
                    var health = await workspace.RunAsync(ct, "health");
                    return (health.ExitCode == 0 || daemon.HasExited, health.Output + daemon.OutputSoFar);
                },
                ct);
            daemon.HasExited.Should().BeFalse(daemon.OutputSoFar);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.SeveralEngines;

/// <summary>
/// One agent, two engines: the test engine (the agent's default, DOCKER_HOST) and a second dockerd of
/// <see cref="SecondEngine"/> named <c>second</c> under backup.yml's <c>engines</c>, shared by the class. A job with
/// sources on both backs each up on its own engine (the two volumes even share a name), records the engine in the
/// manifest, restores and drills each where it was read; a stopped second engine fails only its own sources; the
/// second engine's stop_containers are stopped and started there.
/// </summary>
[Collection(DockerTests.Engines)]
public sealed class SeveralEnginesTests : IClassFixture<SecondEngine>
{
    private const string Engine = "second";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);

    /// <summary>Every entry of /data with its content hash, by busybox alone (the second engine has only the helper image).</summary>
    private const string TreeScript = "cd /data && find . | sort && find . -type f | sort | xargs sha256sum";

    private readonly DockerFixture _docker;
    private readonly SecondEngine _second;
    private readonly ITestOutputHelper _output;

    public SeveralEnginesTests(DockerFixture docker, SecondEngine second, ITestOutputHelper output)
    {
        _docker = docker;
        _second = second;
        _output = output;
        _output.WriteLine($"second engine at {second.DockerHost}, started with the helper image loaded in {second.StartTime.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task RunNow_SourcesOnBothEngines_EachIsReadRestoredAndDrilledOnItsOwnEngine()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "engines");

        // The same volume name on both engines, with different contents: only the engine tells them apart.
        var volume = await workspace.CreateVolumeAsync("both", ct);
        await workspace.ShellAsync(volume, VolumeRestoreTests.FillScript, ct);
        await _second.DockerAsync(ct, "volume", "create", volume);
        await ShellOnSecondAsync(volume, "mkdir -p /data/far/away && echo 'on the second engine' > /data/far/away/note && head -c 200000 /dev/urandom > /data/far/random.bin", ct);
        var database = await workspace.StartDatabaseAsync(TestImages.Postgres, "engines-pg", [$"POSTGRES_PASSWORD={DatabaseRestoreTests.PostgresPassword}"], ct);
        await DatabaseRestoreTests.Psql(workspace, database, "postgres", RemoteEngines.TlsEngineTests.Setup, ct);
        Configure(workspace, $"""
                  - volume: {volume}
                  - volume: {volume}
                    engine: {Engine}
                    name: {volume}-far
                  - postgres: {database}
            """);

        var engines = await workspace.RunAsync(ct, "engine");
        engines.ExitCode.Should().Be(0, engines.ToString());
        engines.Stdout.Should().Contain("engine default:").And.Contain($"engine {Engine}:").And.Contain($"endpoint:        {_second.DockerHost}");
        var set = await workspace.BackUpAsync(ct);

        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(set, "manifest.json"), ct));
        var recorded = manifest.RootElement.GetProperty("artifacts").EnumerateArray()
            .Select(a => (Source: a.GetProperty("source_name").GetString(), Engine: a.GetProperty("engine").GetString())).ToList();
        recorded.Should().Contain((volume, "default")).And.Contain((volume, Engine)).And.Contain((database, "default"));

        var near = workspace.TargetVolume("engines-near");
        var far = workspace.TargetVolume("engines-far");
        (await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--artifact", $"{volume}-far", "--to-volume", far, "--yes")).ExitCode.Should().Be(0);
        (await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--artifact", $"volume-{volume}", "--to-volume", near, "--yes")).ExitCode.Should().Be(0);
        (await ShellOnSecondAsync(far, TreeScript, ct)).Should().Be(await ShellOnSecondAsync(volume, TreeScript, ct)).And.Contain("./far/away/note");
        (await workspace.ListTreeAsync(near, ct)).Should().Be(await workspace.ListTreeAsync(volume, ct));
        (await _docker.Client.TryInspectVolumeAsync(far, ct)).Should().BeNull("the far artifact is restored on the engine it was read on");

        var drill = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest", "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
        (await _second.DockerAsync(ct, "ps", "-aq")).Trim().Should().BeEmpty("the helpers and the drill's scratch volume on the second engine are removed");
        (await _second.DockerAsync(ct, "volume", "ls", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo(volume, far);
        await _second.DockerAsync(ct, "volume", "rm", volume, far);
    }

    [Fact]
    public async Task RunNow_SecondEngineStopped_FirstEnginesSourcesComplete_AndTheRunFailsNamingTheSecond()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "engine-down");
        var volume = await workspace.CreateVolumeAsync("near", ct);
        await workspace.ShellAsync(volume, "echo near > /data/file", ct);
        Configure(workspace, $"""
                  - volume: {volume}
                  - volume: far-away
                    engine: {Engine}
            """);

        await _second.StopAsync(ct);
        AgentResult run;
        AgentResult engines;
        try
        {
            run = await workspace.RunAsync(ct, "run-now", workspace.Job);
            engines = await workspace.RunAsync(ct, "engine");
        }
        finally
        {
            await _second.StartAsync(ct);
        }

        run.ExitCode.Should().Be(1, run.ToString());
        var said = $"Engine '{Engine}' ({_second.DockerHost}) is unreachable";
        (run.Stdout + run.Stderr).Should().Contain(said).And.Contain($"fix engines.{Engine} in backup.yml");
        engines.ExitCode.Should().Be(1, engines.ToString());
        engines.Stdout.Should().Contain("engine default:").And.Contain("state:           unreachable");
        engines.Stderr.Should().Contain($"engine {Engine}: Docker engine unreachable at {_second.DockerHost}");

        var set = workspace.SetDirectories().Should().ContainSingle().Subject;
        var artifacts = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(set, "manifest.json"), ct)).RootElement.GetProperty("artifacts").EnumerateArray().ToList();
        artifacts.Should().HaveCount(2);
        artifacts[0].GetProperty("status").GetString().Should().Be("succeeded");
        artifacts[0].GetProperty("engine").GetString().Should().Be("default");
        artifacts[1].GetProperty("status").GetString().Should().Be("failed");
        artifacts[1].GetProperty("engine").GetString().Should().Be(Engine);
        artifacts[1].GetProperty("error").GetString().Should().Contain(said);
        File.Exists(Path.Combine(set, artifacts[0].GetProperty("file").GetString()!)).Should().BeTrue();
    }

    [Fact]
    public async Task RunNow_StopContainersOnSecondEngine_AreStoppedThereWhileItsVolumeIsRead_AndStartedAgain()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "engine-stop");
        var volume = _docker.UniqueName("far-app");
        var app = _docker.UniqueName("far-app");
        await _second.DockerAsync(ct, "volume", "create", volume);

        // The app writes its volume until it is stopped: a file it wrote after the backup began would be in it.
        await _second.DockerAsync(ct, "run", "-d", "--name", app, "--network", "none", "-v", $"{volume}:/data", TestImages.Helper, "sh", "-c", "trap 'exit 0' TERM; echo started >> /data/starts; while true; do sleep 1; done");
        try
        {
            var before = (await _second.DockerAsync(ct, "inspect", "-f", "{{.State.StartedAt}}", app)).Trim();
            Configure(workspace, $"""
                      - volume: {volume}
                        engine: {Engine}
                """, stop: $"[{{ container: {app}, engine: {Engine} }}]");

            var run = await workspace.RunAsync(ct, "run-now", workspace.Job);

            run.ExitCode.Should().Be(0, run.ToString());
            var state = (await _second.DockerAsync(ct, "inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", app)).Trim().Split(' ');
            state[0].Should().Be("true", "the agent starts the container again on the second engine");
            state[1].Should().NotBe(before, "the container was stopped and started again while its volume was read");
            (await _docker.Client.TryInspectContainerAsync(app, ct)).Should().BeNull("nothing of that name is on the first engine");
            Directory.EnumerateFiles(Path.Combine(workspace.Root, "state", "journal"), "*.json").Should().BeEmpty("the stop journal is empty once the container runs again");
        }
        finally
        {
            await _second.DockerAsync(CancellationToken.None, "rm", "-fv", app);
            await _second.DockerAsync(CancellationToken.None, "volume", "rm", "-f", volume);
        }
    }

    /// <summary>backup.yml with the second engine under <c>engines</c> and one job of <paramref name="sources"/>.</summary>
    private void Configure(RestoreWorkspace workspace, string sources, string? stop = null)
    {
        var text = $"""
            helper_image: {TestImages.Helper}
            state_dir: {Path.Combine(workspace.Root, "state")}
            engines:
              {Engine}: {"{"} host: "{_second.DockerHost}" {"}"}
            storage:
              {RestoreWorkspace.Storage}: {"{"} type: local, path: {workspace.StorePath} {"}"}
            jobs:
              {workspace.Job}:
                storage: [{RestoreWorkspace.Storage}]
                compression: gzip
            {(stop is null ? string.Empty : $"    stop_containers: {stop}{Environment.NewLine}")}    sources:
            {sources}
            """;
        File.WriteAllText(workspace.ConfigPath, text);
        _output.WriteLine($"--- {workspace.ConfigPath} ---{Environment.NewLine}{text}");
    }

    /// <summary>A busybox shell on the second engine with <paramref name="volume"/> at /data; returns its output.</summary>
    private async Task<string> ShellOnSecondAsync(string volume, string script, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var output = await _second.DockerAsync(cancellationToken, "run", "--rm", "--network", "none", "-v", $"{volume}:/data", TestImages.Helper, "sh", "-c", script);
        _output.WriteLine($"second engine: {script} ({watch.Elapsed.TotalSeconds:0.0} s)");
        return output;
    }
}

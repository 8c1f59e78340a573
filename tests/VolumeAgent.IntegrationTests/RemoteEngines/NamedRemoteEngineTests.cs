using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.RemoteEngines;

/// <summary>
/// A named engine of backup.yml's <c>engines</c> map reached as a remote engine, over mutual TLS (<c>tls_verify</c>,
/// <c>cert_path</c>) and over ssh (<c>ssh_config</c>), while the agent's own engine stays the test engine. Behind
/// both endpoints is a second dockerd (<see cref="SecondEngine"/>, shared by the class), so a volume that exists only
/// there can be read only through the endpoint. Each test backs a volume up there, restores it back there (its
/// manifest's engine), and restores with <c>restore --engine</c> onto the other engine: a set taken on one engine put
/// back on another.
/// </summary>
[Collection(DockerTests.Engines)]
public sealed class NamedRemoteEngineTests : IClassFixture<SecondEngine>
{
    private const string FillScript = "mkdir -p /data/far/away && echo 'on the second engine' > /data/far/away/note && head -c 300000 /dev/urandom > /data/far/random.bin && ln -s away/note /data/far/link";

    /// <summary>Every entry of /data with its content hash, by busybox alone (the second engine has only the helper image).</summary>
    private const string TreeScript = "cd /data && find . | sort && find . -type f | sort | xargs sha256sum";

    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);
    private readonly DockerFixture _docker;
    private readonly SecondEngine _second;
    private readonly ITestOutputHelper _output;

    public NamedRemoteEngineTests(DockerFixture docker, SecondEngine second, ITestOutputHelper output)
    {
        _docker = docker;
        _second = second;
        _output = output;
        _output.WriteLine($"second engine at {second.DockerHost}, started with the helper image loaded in {second.StartTime.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task NamedEngineOverMutualTls_BackupAndRestoreThere_AndRestoreEngineDefaultPutsItOnTheAgentsOwnEngine()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "named-tls");
        await using var endpoint = await TlsEngineEndpoint.StartAsync(_output, ct, _second.SocketPath);
        var volume = await CreateOnSecondAsync(ct);
        try
        {
            Configure(workspace, $"far: {{ host: \"{endpoint.DockerHost}\", tls_verify: true, cert_path: {endpoint.GoodCerts} }}", volume, "far");

            var engines = await workspace.RunAsync(ct, "engine");
            engines.ExitCode.Should().Be(0, engines.ToString());
            engines.Stdout.Should().Contain("engine far:").And.Contain($"endpoint:        {endpoint.DockerHost} (TLS, the engine's certificate checked against {endpoint.GoodCerts}/ca.pem only");
            var before = endpoint.AcceptedConnections;
            await BackUpThereAsync(workspace, volume, "far", ct);
            endpoint.AcceptedConnections.Should().BeGreaterThan(before + 2, "the far source was read through the TLS endpoint");

            var there = _docker.UniqueName("named-tls-far");
            var restored = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", there, "--yes");
            restored.ExitCode.Should().Be(0, restored.ToString());
            (await ShellOnSecondAsync(there, TreeScript, ct)).Should().Be(await ShellOnSecondAsync(volume, TreeScript, ct)).And.Contain("./far/away/note");
            (await _docker.Client.TryInspectVolumeAsync(there, ct)).Should().BeNull("without --engine the artifact goes back to the engine it was read on");
            await _second.DockerAsync(ct, "volume", "rm", there);

            // The same set onto the agent's own engine: --engine default overrides the manifest's far.
            var here = workspace.TargetVolume("named-tls-here");
            var moved = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", here, "--engine", "default", "--yes");
            moved.ExitCode.Should().Be(0, moved.ToString());
            (await workspace.ListTreeAsync(here, ct)).Should().Contain("./far/away/note");
            (await _docker.Client.TryInspectVolumeAsync(here, ct)).Should().NotBeNull();
            (await _second.DockerAsync(ct, "volume", "ls", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().NotContain(here, "nothing was restored on the far engine");
            (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
            (await _second.DockerAsync(ct, "ps", "-aq")).Trim().Should().BeEmpty("the helpers on the far engine are removed");
        }
        finally
        {
            await RemoveOnSecondAsync(volume);
        }
    }

    [Fact]
    public async Task NamedEngineOverSsh_BackupAndRestoreThere_AndRestoreEngineNamedPutsASetOfTheDefaultEngineThere()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "named-ssh");
        await using var endpoint = await SshEngineEndpoint.StartAsync(_docker, _output, ct, _second.SocketPath);
        var volume = await CreateOnSecondAsync(ct);
        var near = await workspace.CreateVolumeAsync("named-ssh-near", ct);
        await workspace.ShellAsync(near, FillScript.Replace("second", "default", StringComparison.Ordinal), ct);
        try
        {
            Configure(workspace, $"far: {{ host: \"{endpoint.DockerHost}\", ssh_config: {endpoint.Config} }}", volume, "far", near);

            var engines = await workspace.RunAsync(ct, "engine");
            engines.ExitCode.Should().Be(0, engines.ToString());
            engines.Stdout.Should().Contain("engine far:").And.Contain($"endpoint:        {endpoint.DockerHost} (the system ssh client");
            await BackUpThereAsync(workspace, volume, "far", ct);

            var there = _docker.UniqueName("named-ssh-far");
            var restored = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--artifact", volume, "--to-volume", there, "--yes");
            restored.ExitCode.Should().Be(0, restored.ToString());
            (await ShellOnSecondAsync(there, TreeScript, ct)).Should().Be(await ShellOnSecondAsync(volume, TreeScript, ct)).And.Contain("./far/away/note");
            (await _docker.Client.TryInspectVolumeAsync(there, ct)).Should().BeNull("without --engine the artifact goes back to the engine it was read on");

            // The default engine's volume of the same set onto the far engine, over ssh: --engine far.
            var moved = _docker.UniqueName("named-ssh-moved");
            var restoreMoved = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--artifact", $"volume-{near}", "--to-volume", moved, "--engine", "far", "--yes");
            restoreMoved.ExitCode.Should().Be(0, restoreMoved.ToString());
            var nearTree = await workspace.ShellAsync(near, TreeScript, ct);
            (await ShellOnSecondAsync(moved, TreeScript, ct)).Should().Be(nearTree);
            (await _docker.Client.TryInspectVolumeAsync(moved, ct)).Should().BeNull("--engine far restores on the far engine only");
            (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
            (await _second.DockerAsync(ct, "ps", "-aq")).Trim().Should().BeEmpty("the helpers on the far engine are removed");
            await _second.DockerAsync(ct, "volume", "rm", there, moved);
        }
        finally
        {
            await RemoveOnSecondAsync(volume);
        }
    }

    [Fact]
    public async Task Restore_EngineNoEntryDefines_IsRefusedBeforeAnythingIsRead_NamingTheDefinedOnes()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "named-none");
        Configure(workspace, $"far: {{ host: \"{_second.DockerHost}\" }}", "not-backed-up", "far");

        var result = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", "never-made", "--engine", "elsewhere", "--yes");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain("--engine: engine 'elsewhere' is not defined under the root 'engines' (defined: default, far)");
    }

    /// <summary>Backs the job up; checks the far volume's artifact records engine <paramref name="engine"/>.</summary>
    private static async Task BackUpThereAsync(RestoreWorkspace workspace, string volume, string engine, CancellationToken cancellationToken)
    {
        var set = await workspace.BackUpAsync(cancellationToken);
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(set, "manifest.json"), cancellationToken));
        manifest.RootElement.GetProperty("artifacts").EnumerateArray()
            .Where(a => a.GetProperty("source_name").GetString() == volume)
            .Select(a => (Status: a.GetProperty("status").GetString(), Engine: a.GetProperty("engine").GetString()))
            .Should().Equal(("succeeded", engine));
    }

    /// <summary>backup.yml with <paramref name="engineEntry"/> under <c>engines</c>: <paramref name="volume"/> on it, and <paramref name="near"/> on the default engine.</summary>
    private void Configure(RestoreWorkspace workspace, string engineEntry, string volume, string engine, string? near = null)
    {
        var text = $"""
            helper_image: {TestImages.Helper}
            state_dir: {Path.Combine(workspace.Root, "state")}
            engines:
              {engineEntry}
            storage:
              {RestoreWorkspace.Storage}: {"{"} type: local, path: {workspace.StorePath} {"}"}
            jobs:
              {workspace.Job}:
                storage: [{RestoreWorkspace.Storage}]
                compression: gzip
                sources:
                  - {"{"} volume: {volume}, engine: {engine} {"}"}
            {(near is null ? string.Empty : $"      - volume: {near}{Environment.NewLine}")}
            """;
        File.WriteAllText(workspace.ConfigPath, text);
        _output.WriteLine($"--- {workspace.ConfigPath} ---{Environment.NewLine}{text}");
    }

    /// <summary>A volume on the second engine only, filled with a small tree.</summary>
    private async Task<string> CreateOnSecondAsync(CancellationToken cancellationToken)
    {
        var volume = _docker.UniqueName("named-far");
        await _second.DockerAsync(cancellationToken, "volume", "create", volume);
        await ShellOnSecondAsync(volume, FillScript, cancellationToken);
        return volume;
    }

    private async Task RemoveOnSecondAsync(string volume)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await HostProcess.RunAsync("docker", ["-H", _second.DockerHost, "volume", "rm", "-f", volume], bound.Token);
    }

    /// <summary>A busybox shell on the second engine with <paramref name="volume"/> at /data; returns its output.</summary>
    private Task<string> ShellOnSecondAsync(string volume, string script, CancellationToken cancellationToken) =>
        _second.DockerAsync(cancellationToken, "run", "--rm", "--network", "none", "-v", $"{volume}:/data", TestImages.Helper, "sh", "-c", script);
}

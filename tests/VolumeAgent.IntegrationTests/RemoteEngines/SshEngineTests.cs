using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.RemoteEngines;

/// <summary>
/// The agent reaching the engine over ssh (DOCKER_HOST=ssh://user@host:port), run as a user runs it, through a real
/// OpenSSH server whose user runs the docker CLI against the engine: a backup and a restore, and the host key and
/// login it must refuse.
/// </summary>
[Collection(DockerTests.Engines)]
public sealed class SshEngineTests
{
    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public SshEngineTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task BackupAndRestore_OverSsh_VolumeComesBackExactly()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "ssh");
        await using var endpoint = await SshEngineEndpoint.StartAsync(_fixture, _output, ct);
        var ssh = endpoint.Environment(endpoint.Config);
        var volume = await workspace.CreateVolumeAsync("ssh-src", ct);
        await workspace.ShellAsync(volume, VolumeRestoreTests.FillScript, ct);
        workspace.Configure($"      - volume: {volume}\n");

        var engine = await RunAsync(workspace, ssh, ct, "engine");
        engine.ExitCode.Should().Be(0, engine.ToString());
        engine.Stdout.Should().Contain($"endpoint:        {endpoint.DockerHost} (the system ssh client");
        var backup = await RunAsync(workspace, ssh, ct, "run-now", workspace.Job);
        backup.ExitCode.Should().Be(0, backup.ToString());
        var target = workspace.TargetVolume("ssh-new");
        var restore = await RunAsync(workspace, ssh, ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");

        restore.ExitCode.Should().Be(0, restore.ToString());
        (await workspace.ListTreeAsync(target, ct)).Should().Be(await workspace.ListTreeAsync(volume, ct));
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task Engine_UnknownHostKey_IsRefusedNeverAccepted_SayingHowToAddIt()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var endpoint = await SshEngineEndpoint.StartAsync(_fixture, _output, timeout.Token);

        var result = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), endpoint.Environment(endpoint.UnknownHostConfig));

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stderr.Should().Contain($"Cannot connect to the Docker engine at {endpoint.DockerHost}: the host key of [127.0.0.1]:{endpoint.Port} is not in known_hosts")
            .And.Contain("never accepts an unknown key").And.Contain($"ssh-keyscan -p {endpoint.Port} 127.0.0.1");
        (await File.ReadAllTextAsync(Path.Combine(endpoint.Root, "known_hosts_empty"), timeout.Token)).Should().BeEmpty("the key was not added");
    }

    [Fact]
    public async Task Engine_KeyTheHostDoesNotAccept_IsALoginFailureNamingTheUser()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await using var endpoint = await SshEngineEndpoint.StartAsync(_fixture, _output, timeout.Token);

        var result = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), endpoint.Environment(endpoint.WrongKeyConfig));

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stderr.Should().Contain($"Cannot connect to the Docker engine at {endpoint.DockerHost}: ssh could not log in as {SshEngineEndpoint.User}")
            .And.Contain("Permission denied").And.Contain("IdentityFile");
    }

    private async Task<AgentResult> RunAsync(RestoreWorkspace workspace, Dictionary<string, string> environment, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await AgentCli.RunAsync([.. arguments, "-c", workspace.ConfigPath], cancellationToken, TimeSpan.FromMinutes(5), environment);
        _output.WriteLine($"$ volume-agent {string.Join(' ', arguments)}{Environment.NewLine}{result}");
        return result;
    }
}

using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.RemoteEngines;

/// <summary>
/// The agent reaching the engine as a remote one over mutual TLS (DOCKER_HOST=tcp://…, DOCKER_TLS_VERIFY,
/// DOCKER_CERT_PATH), run as a user runs it: backups and restores of a volume and a PostgreSQL database (archive
/// GET/PUT, exec with stdout, exec with stdin half-closed), and the certificates it must refuse.
/// </summary>
[Collection(DockerTests.Engines)]
public sealed class TlsEngineTests
{
    /// <summary>One database without roles of its own, so it restores alone into a fresh server.</summary>
    internal const string Setup = """
        CREATE DATABASE shop;
        \c shop
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
        INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.5 FROM generate_series(1, 20000) g;
        """;

    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public TlsEngineTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task BackupAndRestore_OverMutualTls_VolumeAndPostgresComeBackExactly()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "tls");
        await using var endpoint = await TlsEngineEndpoint.StartAsync(_output, ct);
        var tls = endpoint.Environment(endpoint.GoodCerts);
        var volume = await workspace.CreateVolumeAsync("tls-src", ct);
        await workspace.ShellAsync(volume, VolumeRestoreTests.FillScript, ct);
        var database = await workspace.StartDatabaseAsync(TestImages.Postgres, "tls-pg", [$"POSTGRES_PASSWORD={DatabaseRestoreTests.PostgresPassword}"], ct);
        await DatabaseRestoreTests.Psql(workspace, database, "postgres", Setup, ct);
        workspace.Configure($"      - volume: {volume}\n      - postgres: {database}\n");

        var engine = await RunAsync(workspace, tls, ct, "engine");
        engine.ExitCode.Should().Be(0, engine.ToString());
        engine.Stdout.Should().Contain($"endpoint:        {endpoint.DockerHost} (TLS, the engine's certificate checked against {endpoint.GoodCerts}/ca.pem only");
        var validate = await RunAsync(workspace, tls, ct, "validate");
        validate.Stdout.Should().Contain($"engine: {endpoint.DockerHost} (TLS");
        var before = endpoint.AcceptedConnections;
        var backup = await RunAsync(workspace, tls, ct, "run-now", workspace.Job);
        backup.ExitCode.Should().Be(0, backup.ToString());
        endpoint.AcceptedConnections.Should().BeGreaterThan(before + 5, "every engine call of the run went through the TLS endpoint");

        var target = workspace.TargetVolume("tls-new");
        var restoreVolume = await RunAsync(workspace, tls, ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--artifact", volume, "--yes");
        restoreVolume.ExitCode.Should().Be(0, restoreVolume.ToString());
        (await workspace.ListTreeAsync(target, ct)).Should().Be(await workspace.ListTreeAsync(volume, ct));
        var fresh = await workspace.StartDatabaseAsync(TestImages.Postgres, "tls-pg-new", ["POSTGRES_PASSWORD=another-secret"], ct);
        var restoreDatabase = await RunAsync(workspace, tls, ct, "restore", $"{workspace.Job}/latest", "--to-container", fresh, "--artifact", "shop", "--yes");
        restoreDatabase.ExitCode.Should().Be(0, restoreDatabase.ToString());
        (await DatabaseRestoreTests.PgDumpAsync(workspace, fresh, "shop", ct)).Should().Be(await DatabaseRestoreTests.PgDumpAsync(workspace, database, "shop", ct));
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task Engine_CaThatDidNotSignTheEnginesCertificate_IsRefusedNamingTheCaFile()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var endpoint = await TlsEngineEndpoint.StartAsync(_output, timeout.Token);

        var result = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), endpoint.Environment(endpoint.WrongCaCerts));

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stderr.Should().Contain($"Cannot connect to the Docker engine at {endpoint.DockerHost} over TLS")
            .And.Contain($"is not signed by the CA in {endpoint.WrongCaCerts}/ca.pem (CN=another CA)")
            .And.Contain("the system's CA store is not used");
    }

    [Fact]
    public async Task Engine_NoClientCertificate_IsRefusedBeforeConnecting_NamingTheFileAndDockerCertPath()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var endpoint = await TlsEngineEndpoint.StartAsync(_output, timeout.Token);
        var before = endpoint.AcceptedConnections;

        var result = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), endpoint.Environment(endpoint.NoClientCerts));

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stderr.Should().Contain($"Cannot connect to the Docker engine at {endpoint.DockerHost} over TLS: {endpoint.NoClientCerts}/cert.pem (the client certificate")
            .And.Contain("does not exist").And.Contain("DOCKER_CERT_PATH");
        endpoint.AcceptedConnections.Should().Be(before, "nothing is sent without the client certificate");
    }

    [Fact]
    public async Task Engine_ClientCertificateOfAnotherCa_IsRefusedByTheEngine_SayingSo()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var endpoint = await TlsEngineEndpoint.StartAsync(_output, timeout.Token);

        var result = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), endpoint.Environment(endpoint.ForeignClientCerts));

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stderr.Should().Contain($"Cannot connect to the Docker engine at {endpoint.DockerHost} over TLS: the TLS handshake failed, or the engine closed the connection right after it")
            .And.Contain($"The engine may have refused the client certificate {endpoint.ForeignClientCerts}/cert.pem");
    }

    [Fact]
    public async Task Engine_NothingListening_IsUnreachableNamingTheEndpoint_AndPlainTcpToTheTlsPortSaysToSetTls()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var endpoint = await TlsEngineEndpoint.StartAsync(_output, timeout.Token);
        var closed = TcpPorts.Free();
        var refused = endpoint.Environment(endpoint.GoodCerts);
        refused["DOCKER_HOST"] = $"tcp://127.0.0.1:{closed}";

        var none = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), refused);
        var plain = await AgentCli.RunAsync(["engine"], timeout.Token, TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DOCKER_HOST"] = endpoint.DockerHost });

        none.ExitCode.Should().Be(1, none.ToString());
        none.Stderr.Should().Contain($"Docker engine unreachable at tcp://127.0.0.1:{closed}: Connection refused").And.Contain("with TLS");
        plain.ExitCode.Should().Be(1, plain.ToString());
        plain.Stderr.Should().Contain($"Docker engine unreachable at {endpoint.DockerHost}").And.Contain("DOCKER_TLS_VERIFY=1");
    }

    private async Task<AgentResult> RunAsync(RestoreWorkspace workspace, Dictionary<string, string> environment, CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await AgentCli.RunAsync([.. arguments, "-c", workspace.ConfigPath], cancellationToken, TimeSpan.FromMinutes(4), environment);
        _output.WriteLine($"$ volume-agent {string.Join(' ', arguments)}{Environment.NewLine}{result}");
        return result;
    }
}

using Docker.DotNet;
using Docker.DotNet.Unix;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// The engine the engine faults restart and kill, made once per class: a <see cref="SecondEngine"/> (never the shared
/// engine) with the PostgreSQL image loaded, and on it a volume of 64 MiB of random data (its archive streams for a
/// few seconds), an app that uses it (stopped by the jobs while the volume is read), and PostgreSQL with a database
/// <c>big</c> (a million rows: its dump streams for a second or two). The app and PostgreSQL run with the restart
/// policy <c>unless-stopped</c>, as services on a production host do: after an engine restart the engine itself
/// starts what it stopped, and only what the agent stopped is the agent's to start again. Disposing the engine
/// removes all of it.
/// </summary>
public sealed class EngineFaultFixture : IAsyncLifetime
{
    public const string Volume = "fault-data";
    public const string App = "fault-app";
    public const string Postgres = "fault-pg";
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(6);
    private DockerClient? _client;

    public SecondEngine Engine { get; } = new();

    /// <summary>A client of <see cref="Engine"/>, for the fault suite's checks of its containers and the agent's leftovers there.</summary>
    internal DockerClient Client => _client ?? throw new InvalidOperationException("The fixture was not initialised.");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(SetupTimeout);
        var ct = cts.Token;
        await Engine.InitializeAsync();
        _client = new DockerClientBuilder().WithEndpoint(new Uri(Engine.DockerHost)).WithTransportOptions(new UnixSocketTransportOptions()).Build();
        await Engine.LoadImageAsync(TestImages.Postgres, ct);
        await Engine.DockerAsync(ct, "volume", "create", Volume);
        await Engine.DockerAsync(ct, "run", "--rm", "--network", "none", "-v", $"{Volume}:/data", TestImages.Helper, "sh", "-c",
            "for i in 1 2 3 4 5 6 7 8; do head -c 8388608 /dev/urandom > /data/random-$i.bin; done; echo kept > /data/note");
        await Engine.DockerAsync(ct, "run", "-d", "--name", App, "--restart", "unless-stopped", "--network", "none", "-v", $"{Volume}:/data", TestImages.Helper,
            "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
        await Engine.DockerAsync(ct, "run", "-d", "--name", Postgres, "--restart", "unless-stopped", "--network", "none", "-e", "POSTGRES_PASSWORD=fault-secret", TestImages.Postgres);
        // The image's entrypoint runs a temporary server for its initialisation first: wait for the real one.
        await DaemonWait.UntilAsync("PostgreSQL's initialisation on the second engine", TimeSpan.FromSeconds(120), async () =>
        {
            var logs = await HostProcess.RunAsync("docker", ["-H", Engine.DockerHost, "logs", Postgres], ct);
            return (logs.Output.Contains("PostgreSQL init process complete", StringComparison.Ordinal), logs.Output);
        }, ct);
        await UntilAnsweringAsync("postgres", ct);
        await PsqlAsync("postgres", "CREATE DATABASE big", ct);
        await PsqlAsync("big", "CREATE TABLE t (id int, s text); INSERT INTO t SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 1000000) i;", ct);
    }

    /// <summary>Waits until PostgreSQL accepts connections to <paramref name="database"/> (after its start or the engine's restart).</summary>
    internal Task UntilAnsweringAsync(string database, CancellationToken cancellationToken) =>
        DaemonWait.UntilAsync($"PostgreSQL in {Postgres} on the second engine to accept connections", TimeSpan.FromSeconds(90), async () =>
        {
            var ready = await HostProcess.RunAsync("docker", ["-H", Engine.DockerHost, "exec", Postgres, "psql", "-X", "-U", "postgres", "-d", database, "-tAc", "SELECT 1"], cancellationToken);
            return (ready.ExitCode == 0 && ready.Stdout.Trim() == "1", ready.Output);
        }, cancellationToken);

    private Task<string> PsqlAsync(string database, string sql, CancellationToken cancellationToken) =>
        Engine.DockerAsync(cancellationToken, "exec", Postgres, "psql", "-X", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", database, "-c", sql);

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        await Engine.DisposeAsync();
    }
}

using VolumeAgent.IntegrationTests.Backups;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// The database the database faults hit, made once per class: PostgreSQL 15 limited to 256 MiB of memory and no swap
/// (so a backend that grows past it is OOM-killed by the kernel), with a database <c>big</c> whose dump streams for a
/// second or two (a million rows, about 130 MB of table), long enough to be hit mid-dump. Each test leaves it running
/// and answering (its repair step sees to it), so the next test finds it as this fixture made it.
/// </summary>
public sealed class FaultDatabaseFixture : IAsyncLifetime
{
    public const long MemoryLimit = 256L * 1024 * 1024;
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private TestScope? _scope;
    private DatabaseContainer? _server;

    public FaultDatabaseFixture(DockerFixture docker) => _docker = docker;

    internal DatabaseContainer Server => _server ?? throw new InvalidOperationException("The fixture was not initialised.");

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(SetupTimeout);
        _scope = _docker.CreateScope();
        _server = await DatabaseContainer.StartPostgresAsync(_scope, "pg-fault", MemoryLimit, cts.Token, "POSTGRES_PASSWORD=fault-secret");
        await _server.PsqlAsync(
            "postgres",
            "CREATE DATABASE big; \\connect big\nCREATE TABLE t (id int, s text); INSERT INTO t SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 1000000) i;",
            cts.Token);
    }

    /// <summary>Waits until the server accepts connections again (after a restart or a crash recovery).</summary>
    internal Task UntilAnsweringAsync(CancellationToken cancellationToken) =>
        DaemonWait.UntilAsync($"PostgreSQL in {Server.Name} to accept connections", TimeSpan.FromSeconds(60), async () =>
        {
            var ready = await Server.ExecAsync(["psql", "-X", "-U", "postgres", "-d", "big", "-tAc", "SELECT count(*) > 0 FROM t"], cancellationToken);
            return (ready.ExitCode == 0 && ready.Stdout.Trim() == "t", ready.Stderr);
        }, cancellationToken);

    public async Task DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync();
        }
    }
}

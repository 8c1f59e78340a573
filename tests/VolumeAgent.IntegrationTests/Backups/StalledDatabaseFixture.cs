using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// What the stalled-database tests share, made once per class: a PostgreSQL server whose database <c>big</c> dumps to
/// about 330 MB (seconds of streaming, to pause in the middle), a second small server that stays up, and a volume
/// with a file. A test that pauses the big server unpauses it before it ends (<see cref="PausedDump"/>).
/// </summary>
public sealed class StalledDatabaseFixture : IAsyncLifetime
{
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private TestScope? _scope;
    private DatabaseContainer? _big;
    private DatabaseContainer? _other;

    public StalledDatabaseFixture(DockerFixture docker) => _docker = docker;

    internal DatabaseContainer Big => _big ?? throw new InvalidOperationException("The fixture was not initialised.");

    internal DatabaseContainer Other => _other ?? throw new InvalidOperationException("The fixture was not initialised.");

    public string Volume { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(SetupTimeout);
        _scope = _docker.CreateScope();
        var big = DatabaseContainer.StartPostgresAsync(_scope, "pg-stall", cts.Token, "POSTGRES_PASSWORD=stall-secret");
        var other = DatabaseContainer.StartPostgresAsync(_scope, "pg-up", cts.Token, "POSTGRES_PASSWORD=up-secret");
        Volume = await _scope.CreateVolumeAsync("stall-data", cts.Token);
        var fill = await _scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "echo kept > /data/file.txt"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = Volume, Target = "/data" }],
                },
            },
            cts.Token);
        if (fill.ExitCode != 0)
        {
            throw new InvalidOperationException($"Filling volume {Volume} failed ({fill.ExitCode}): {fill.Stderr}");
        }

        _big = await big;
        _other = await other;
        await _big.PsqlAsync(
            "postgres",
            "CREATE DATABASE big; \\connect big\nCREATE TABLE t (id int, s text); INSERT INTO t SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, 3000000) i;",
            cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync();
        }
    }
}

/// <summary>
/// `docker pause` of a database container once its dump streams (the job's partial dump file grows), as an operator
/// would; disposing unpauses it if the test has not, so the class's next test finds it running.
/// </summary>
internal sealed class PausedDump : IAsyncDisposable
{
    private readonly DatabaseContainer _server;
    private bool _paused;

    private PausedDump(DatabaseContainer server) => _server = server;

    public static async Task<PausedDump> WhenDumpGrowsAsync(
        AgentWorkspace workspace, string job, string dumpFile, DatabaseContainer server, AgentRun run, CancellationToken cancellationToken)
    {
        await FailureChecks.WhenDumpGrowsAsync(workspace, job, earlierSet: null, dumpFile, run, cancellationToken);
        var pause = new PausedDump(server);
        await CommandLine.DockerPauseAsync(server.Name, cancellationToken);
        pause._paused = true;
        return pause;
    }

    public async Task<bool> IsPausedAsync(CancellationToken cancellationToken) =>
        await CommandLine.DockerOkAsync(cancellationToken, "inspect", "--format", "{{.State.Paused}}", _server.Name) == "true";

    public async Task UnpauseAsync(CancellationToken cancellationToken)
    {
        await CommandLine.DockerOkAsync(cancellationToken, "unpause", _server.Name);
        _paused = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_paused)
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await CommandLine.DockerAsync(bound.Token, "unpause", _server.Name);
        }
    }
}

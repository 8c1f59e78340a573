using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Fakes;
using VolumeAgent.Tests.Policy;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Manifest;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// One run of a job against the fake engine, into a real local storage: the files phase while stop_containers are
/// down, databases after they are up again, a failing source that leaves the others alone, and the set committed with
/// every artifact (failed ones too).
/// </summary>
public sealed class JobRunnerTests : IAsyncDisposable
{
    private readonly FakeDockerEngine _engine = new();
    private readonly TempDirectory _directory = new();
    private readonly LogCapture _log = new();

    public JobRunnerTests()
    {
        _engine.Exec
            .On("db", "pg_dump", call => call.Command.Contains("--version") ? ExecReply.Ok("pg_dump (PostgreSQL) 15.4\n") : ExecReply.Ok("-- app\n"))
            .On("db", "pg_dumpall", ExecReply.Ok("-- globals\n"));
    }

    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Run_ReadsFilesWhileStopContainersAreDown_ThenDumpsDatabasesAfterTheyAreUp()
    {
        _engine.Containers.Add("app");
        _engine.Containers.Add("db");
        _engine.AddVolume("uploads", EngineTestSupport.Tar(("a.jpg", "jpeg")));
        _engine.AddVolume("config", EngineTestSupport.Tar(("app.yml", "x: 1")));

        // Listed database first: the files are read first all the same, in their own order.
        var result = await RunAsync("""
            stop_containers: [app]
            sources:
              - postgres: db
                format: plain
                databases: [app]
              - volume: uploads
              - volume: config
            """);

        result.Succeeded.Should().BeTrue(result.Error);
        _engine.Calls.Where(c => !c.StartsWith("create", StringComparison.Ordinal) && !c.StartsWith("remove", StringComparison.Ordinal) && !c.StartsWith("ensure", StringComparison.Ordinal))
            .Should().Equal(
                "stop app",
                "archive volume uploads",
                "archive volume config",
                "start app",
                "exec db: pg_dump --version",
                "exec db: pg_dumpall --globals-only --username postgres --no-password",
                "exec db: pg_dump --username postgres --no-password --dbname app --format plain");
        _engine.Containers.Find("app")!.Running.Should().BeTrue();
        _engine.Containers.All.Select(c => c.Name).Should().BeEquivalentTo(["app", "db"], "every helper is removed");
    }

    [Fact]
    public async Task Run_CommitsTheSetWithEveryArtifactAndItsChecksum()
    {
        _engine.Containers.Add("db");
        _engine.AddVolume("uploads", EngineTestSupport.Tar(("a.jpg", "jpeg")));

        var result = await RunAsync("""
            sources:
              - volume: uploads
              - postgres: db
                format: plain
                databases: [app]
            """);

        var set = await SingleSetAsync();
        set.State.Should().Be(BackupSetState.Complete);
        set.DirectoryName.Should().Be(result.SetName);
        set.Manifest!.Status.Should().Be(ManifestStatus.Succeeded);
        set.Manifest.Artifacts.Select(a => (a.File, a.SourceKind, a.Status)).Should().Equal(
            ("volume-uploads.tar.gz", VolumeKind.Volume, ManifestStatus.Succeeded),
            ("postgres-db-globals.sql.gz", PostgresKind.Globals, ManifestStatus.Succeeded),
            ("postgres-db-app.sql.gz", PostgresKind.Postgres, ManifestStatus.Succeeded));
        var checksums = await File.ReadAllLinesAsync(_directory.Combine("backups", "nightly", set.DirectoryName, BackupSetLayout.ChecksumsFileName));
        checksums.Should().BeEquivalentTo(set.Manifest.Artifacts.Select(a => $"{a.Sha256}  {a.File}"));
    }

    [Fact]
    public async Task Run_SourcesThatFail_LeaveTheOthersToRun_AndFailTheRunWithTheirReasons()
    {
        _engine.Containers.Add("db");
        _engine.AddVolume("uploads", EngineTestSupport.Tar(("a.jpg", "jpeg")));

        var result = await RunAsync("""
            sources:
              - volume: missing
              - volume: uploads
              - postgres: gone
              - postgres: db
                format: plain
                databases: [app]
            """);

        result.Succeeded.Should().BeFalse();
        result.Artifacts.Select(a => (a.SourceName, a.Status)).Should().Equal(
            ("volume missing", ManifestStatus.Failed),
            ("uploads", ManifestStatus.Succeeded),
            ("postgres gone", ManifestStatus.Failed),
            ("db", ManifestStatus.Succeeded),
            ("db", ManifestStatus.Succeeded));
        result.Artifacts[0].Error.Should().Contain("Volume 'missing' does not exist on this engine");
        result.Artifacts[2].Error.Should().Contain("No container is named 'gone'");
        result.Error.Should().Be("2 of 5 artifact(s) failed.");
        var set = await SingleSetAsync();
        set.Manifest!.Status.Should().Be(ManifestStatus.Failed);
        set.Manifest.Artifacts.Where(a => a.Status == ManifestStatus.Succeeded).Select(a => a.File).Should().Equal(
            "volume-uploads.tar.gz", "postgres-db-globals.sql.gz", "postgres-db-app.sql.gz");
    }

    [Fact]
    public async Task Run_FilesSourceFailsWhileContainersAreStopped_StartsThemAgainAndGoesOn()
    {
        _engine.Containers.Add("app");
        _engine.Containers.Add("worker");
        _engine.Volumes.Add("uploads"); // There, but the engine cannot read it.
        _engine.AddVolume("config", EngineTestSupport.Tar(("app.yml", "x: 1")));

        var result = await RunAsync("""
            stop_containers: [app, worker]
            sources:
              - volume: uploads
              - volume: config
            """);

        result.Succeeded.Should().BeFalse();
        result.Artifacts.Select(a => (a.SourceName, a.Status)).Should().Equal(("uploads", ManifestStatus.Failed), ("config", ManifestStatus.Succeeded));
        result.Artifacts[0].Error.Should().StartWith("The engine could not read uploads to archive volume uploads");
        _engine.Calls.Where(c => c.StartsWith("stop", StringComparison.Ordinal) || c.StartsWith("start", StringComparison.Ordinal) || c.StartsWith("archive", StringComparison.Ordinal))
            .Should().Equal("stop app", "stop worker", "archive volume config", "start worker", "start app");
        _engine.Containers.Find("app")!.Running.Should().BeTrue();
        _engine.Containers.Find("worker")!.Running.Should().BeTrue();
    }

    [Fact]
    public async Task Run_ContainerThatDoesNotStartAgain_FailsTheRunNamingIt_AndTheDatabasesAreStillDumped()
    {
        _engine.Containers.Add("app");
        _engine.Containers.Add("db");
        _engine.AddVolume("uploads", EngineTestSupport.Tar(("a.jpg", "jpeg")));
        _engine.Containers.Find("app")!.FailStart = "cannot start: port 80 in use";

        var result = await RunAsync("""
            stop_containers: [app]
            sources:
              - volume: uploads
              - postgres: db
                format: plain
                databases: [app]
            """);

        result.Succeeded.Should().BeFalse();
        result.Error.Should().Contain("Container(s) stopped for the backup did not start again: app (")
            .And.Contain("cannot start: port 80 in use");
        result.Artifacts.Should().OnlyContain(a => a.Status == ManifestStatus.Succeeded);
        _log.Messages(Serilog.Events.LogEventLevel.Error).Should().Contain(m => m.Contains("did not start again", StringComparison.Ordinal));
    }

    private async Task<RunResult> RunAsync(string jobLines)
    {
        var yaml = $"state_dir: {_directory.Combine("state")}\nhelper_image: {EngineTestSupport.HelperImage}\n"
            + $"storage:\n  local: {{ type: local, path: {_directory.Combine("backups")} }}\njobs:\n  nightly:\n"
            + PolicyTestHelpers.Indent(jobLines, 4);
        var policy = PolicyTestHelpers.Load(yaml);
        Directory.CreateDirectory(_directory.Combine("backups"));
        using var instance = AgentInstance.Acquire(policy.StateDir);
        var runner = new JobRunner(
            _engine, policy, AgentSession.OpenStores(policy), instance, new ContainerResolver(_engine, null), TimeProvider.System, _log.Logger);
        return await runner.RunAsync(policy.Jobs[0], ManifestTrigger.Manual, progress: null, CancellationToken.None);
    }

    private async Task<BackupSetInfo> SingleSetAsync()
    {
        var policy = PolicyTestHelpers.Load($"storage:\n  local: {{ type: local, path: {_directory.Combine("backups")} }}\njobs:\n  nightly:\n    sources:\n      - volume: x\n");
        var store = AgentSession.OpenStores(policy)["local"];
        var sets = new List<BackupSetInfo>();
        await foreach (var set in store.ListSetsAsync("nightly", CancellationToken.None))
        {
            sets.Add(set);
        }

        return sets.Should().ContainSingle().Subject;
    }
}

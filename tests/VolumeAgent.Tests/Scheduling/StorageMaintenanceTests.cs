using Serilog.Events;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Runs;
using VolumeAgent.Scheduling;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest.Sets;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Scheduling;

/// <summary>
/// A storage's upkeep on its schedule (restic's <c>prune_schedule</c>): it fires at the schedule's time, waits while a
/// job that writes to the storage holds its lock (never overlapping a backup to it), and a failure is logged, not thrown.
/// </summary>
public sealed class StorageMaintenanceTests : IDisposable
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-05-04T04:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly LogCapture _log = new();
    private readonly string _state = Directory.CreateTempSubdirectory("va-maintenance-").FullName;

    [Fact]
    public async Task AtItsTime_WaitsForTheStoragesRunningJob_ThenRunsOnce()
    {
        var store = new MaintainedStore("0 5 * * *");
        var scheduler = StorageMaintenance.Create(Jobs(), new Dictionary<string, IBackupStore> { ["vault"] = new SetStore(store), ["other"] = new SetStore(new InMemoryObjectStore()) }, _clock, _log.Logger, TimeSpan.FromSeconds(5));
        scheduler.JobNames.Should().Equal("prune:vault");
        var running = JobLock.TryAcquire(_state, "writes-vault")!;
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);
        var driver = new SchedulerDriver(_clock, scheduler);

        await driver.AdvanceAsync(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(30));
        store.Runs.Should().Be(0, "a job writing to the storage holds its lock");
        running.Dispose();
        await driver.AdvanceAsync(TimeSpan.FromSeconds(10));
        await WaitForAsync(() => store.Runs == 1);

        using (var again = JobLock.TryAcquire(_state, "writes-vault"))
        {
            again.Should().NotBeNull("the upkeep gives the job's lock back");
        }

        _log.Messages(LogEventLevel.Information).Should().Contain(m => m.Contains("prune of vault", StringComparison.Ordinal));
        await stop.CancelAsync();
        await run.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task AFailure_IsLoggedWithTheFix_AndTheScheduleCarriesOn()
    {
        var store = new MaintainedStore("0 5 * * *") { Failure = "the repository is locked by another restic process; restic unlock" };
        var scheduler = StorageMaintenance.Create(Jobs(), new Dictionary<string, IBackupStore> { ["vault"] = new SetStore(store) }, _clock, _log.Logger, TimeSpan.FromSeconds(5));
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);
        var driver = new SchedulerDriver(_clock, scheduler);

        await driver.AdvanceAsync(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await WaitForAsync(() => store.Runs == 1);
        await WaitForAsync(() => _log.Messages(LogEventLevel.Error).Any(m => m.Contains("restic unlock", StringComparison.Ordinal)));
        scheduler.GetNextRun("prune:vault").Should().Be(DateTimeOffset.Parse("2026-05-05T05:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await stop.CancelAsync();
        await run.WaitAsync(HangGuard);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static async Task WaitForAsync(Func<bool> condition)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            await Task.Delay(10, guard.Token);
        }
    }

    private VolumeAgent.Policy.BackupPolicy Jobs() => PolicyTestHelpers.Load($"""
        state_dir: {_state}
        storage:
          vault: {"{"} type: local, path: /backups/vault {"}"}
          other: {"{"} type: local, path: /backups/other {"}"}
        jobs:
          writes-vault:
            storage: [vault, other]
            sources: [{"{"} volume: data {"}"}]
          writes-other:
            storage: [other]
            sources: [{"{"} volume: data {"}"}]
        """);

    /// <summary>An in-memory storage with upkeep that counts its runs.</summary>
    private sealed class MaintainedStore(string schedule) : IObjectStore, IScheduledMaintenance
    {
        private readonly InMemoryObjectStore _inner = new();
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public string? Failure { get; init; }

        public CronExpression? MaintenanceSchedule { get; } = CronExpression.Parse(schedule);

        public string Location => _inner.Location;

        public Task<string> RunMaintenanceAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Failure is null ? Task.FromResult("prune of vault") : throw new StorageException(Failure);
        }

        public string Describe(SetAddress set) => _inner.Describe(set);

        public Task CheckWritableAsync(CancellationToken cancellationToken) => _inner.CheckWritableAsync(cancellationToken);

        public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken) => _inner.CreateSetAsync(set, cancellationToken);

        public Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken) => _inner.StartUploadAsync(set, name, cancellationToken);

        public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => _inner.PutAsync(set, name, content, cancellationToken);

        public Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken) => _inner.OpenReadAsync(set, name, cancellationToken);

        public IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken) => _inner.ListJobsAsync(cancellationToken);

        public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken) => _inner.ListSetsAsync(job, cancellationToken);

        public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) => _inner.ListObjectsAsync(set, cancellationToken);

        public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken) => _inner.DeleteAsync(set, name, cancellationToken);

        public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken) => _inner.DeleteSetAsync(set, cancellationToken);

        public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken) => _inner.PointLatestAsync(job, setName, cancellationToken);
    }
}

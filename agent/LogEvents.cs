using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace VolumeAgent;

/// <summary>
/// The agent's log events, each with a stable id (after dotnet-monitor's <c>LoggingEventIds</c>): every log call names
/// one with <see cref="LogEventIds.ForEvent"/>, and each is used at one call site family, so a line can be found,
/// counted or alerted on by its id whatever its wording becomes. Ids are never reused or renumbered; a new event takes
/// the next free id of its group. JSON log lines carry it as <c>EventId: { Id, Name }</c>; text lines do not show it.
/// </summary>
internal static class LogEvents
{
    // A run of a job (Runs/): 1000–1099.
    public static readonly LogEventId RunStarted = new(1000, nameof(RunStarted));
    public static readonly LogEventId RunNotStarted = new(1001, nameof(RunNotStarted));
    public static readonly LogEventId RunEnded = new(1002, nameof(RunEnded));
    public static readonly LogEventId AfterHookFailed = new(1003, nameof(AfterHookFailed));
    public static readonly LogEventId PartialFilesSwept = new(1004, nameof(PartialFilesSwept));
    public static readonly LogEventId StopContainersFailed = new(1005, nameof(StopContainersFailed));
    public static readonly LogEventId ContainerRestartFailed = new(1006, nameof(ContainerRestartFailed));
    public static readonly LogEventId SetNotCompleted = new(1007, nameof(SetNotCompleted));
    public static readonly LogEventId SourceFailed = new(1010, nameof(SourceFailed));
    public static readonly LogEventId ArtifactStored = new(1011, nameof(ArtifactStored));
    public static readonly LogEventId ArtifactFailed = new(1012, nameof(ArtifactFailed));
    public static readonly LogEventId PartialFileLeft = new(1013, nameof(PartialFileLeft));
    public static readonly LogEventId SetPruned = new(1020, nameof(SetPruned));
    public static readonly LogEventId HookStarted = new(1030, nameof(HookStarted));
    public static readonly LogEventId HookOutput = new(1031, nameof(HookOutput));
    public static readonly LogEventId HookErrorOutput = new(1032, nameof(HookErrorOutput));
    public static readonly LogEventId LeftoversRemoved = new(1040, nameof(LeftoversRemoved));
    public static readonly LogEventId LeftoverContainerRemoved = new(1041, nameof(LeftoverContainerRemoved));
    public static readonly LogEventId LeftoverContainerNotRemoved = new(1042, nameof(LeftoverContainerNotRemoved));
    public static readonly LogEventId LeftoverVolumeRemoved = new(1043, nameof(LeftoverVolumeRemoved));
    public static readonly LogEventId LeftoverVolumeNotRemoved = new(1044, nameof(LeftoverVolumeNotRemoved));

    // A storage given up for the rest of a run after it stalled (Storage/): 2400–2449.
    public static readonly LogEventId StalledStorageAbortFailed = new(2400, nameof(StalledStorageAbortFailed));
    public static readonly LogEventId StalledStorageNotSynced = new(2401, nameof(StalledStorageNotSynced));

    // Least privilege (Docker/Engine/): 2300–2399.
    public static readonly LogEventId ScratchVolumesNotListed = new(2300, nameof(ScratchVolumesNotListed));
    public static readonly LogEventId StorageFailed = new(1045, nameof(StorageFailed));
    public static readonly LogEventId LatestNotUpdated = new(1046, nameof(LatestNotUpdated));

    // Containers stopped for a run, and the journal that brings them back (Runs/): 1100–1199.
    public static readonly LogEventId StopSkippedNotRunning = new(1100, nameof(StopSkippedNotRunning));
    public static readonly LogEventId StopAlreadyHeld = new(1101, nameof(StopAlreadyHeld));
    public static readonly LogEventId ContainerStopping = new(1102, nameof(ContainerStopping));
    public static readonly LogEventId ContainerStaysStopped = new(1103, nameof(ContainerStaysStopped));
    public static readonly LogEventId ContainerStartedAgain = new(1104, nameof(ContainerStartedAgain));
    public static readonly LogEventId InterruptedStopRecovered = new(1105, nameof(InterruptedStopRecovered));
    public static readonly LogEventId InterruptedStopNotRecovered = new(1106, nameof(InterruptedStopNotRecovered));
    public static readonly LogEventId StoppedContainerGone = new(1107, nameof(StoppedContainerGone));
    public static readonly LogEventId StoppedContainerTakenOver = new(1108, nameof(StoppedContainerTakenOver));
    public static readonly LogEventId StopJournalNotOpened = new(1110, nameof(StopJournalNotOpened));
    public static readonly LogEventId StopJournalNoEngine = new(1111, nameof(StopJournalNoEngine));
    public static readonly LogEventId StopJournalUnreadable = new(1112, nameof(StopJournalUnreadable));
    public static readonly LogEventId StopJournalRecordUnreadable = new(1113, nameof(StopJournalRecordUnreadable));

    // Sources and the engine (Sources/, Docker/): 1200–1299.
    public static readonly LogEventId HardLinksLeftOut = new(1200, nameof(HardLinksLeftOut));
    public static readonly LogEventId HelperNotRemoved = new(1201, nameof(HelperNotRemoved));
    public static readonly LogEventId ExecNotStopped = new(1202, nameof(ExecNotStopped));

    // Verification, drills and restores (Restore/): 1300–1399.
    public static readonly LogEventId VerificationNotRecorded = new(1300, nameof(VerificationNotRecorded));
    public static readonly LogEventId PgListCheckUnavailable = new(1301, nameof(PgListCheckUnavailable));
    public static readonly LogEventId ScratchDatabaseNotRemoved = new(1302, nameof(ScratchDatabaseNotRemoved));
    public static readonly LogEventId ScratchVolumeNotRemoved = new(1303, nameof(ScratchVolumeNotRemoved));
    public static readonly LogEventId RestoredDatabaseOwnerChanged = new(1310, nameof(RestoredDatabaseOwnerChanged));
    public static readonly LogEventId RestoredDatabaseNotDropped = new(1311, nameof(RestoredDatabaseNotDropped));
    public static readonly LogEventId VolumeRestoreFailed = new(1312, nameof(VolumeRestoreFailed));
    public static readonly LogEventId RestoredVolumeNotRemoved = new(1313, nameof(RestoredVolumeNotRemoved));
    public static readonly LogEventId RestoreTargetNotRestarted = new(1314, nameof(RestoreTargetNotRestarted));

    // The scheduler and scheduled verification (Scheduling/): 1400–1499.
    public static readonly LogEventId JobScheduled = new(1400, nameof(JobScheduled));
    public static readonly LogEventId ClockWentBack = new(1401, nameof(ClockWentBack));
    public static readonly LogEventId ScheduledRunLate = new(1402, nameof(ScheduledRunLate));
    public static readonly LogEventId ScheduledRunOverlaps = new(1403, nameof(ScheduledRunOverlaps));
    public static readonly LogEventId ScheduleExhausted = new(1404, nameof(ScheduleExhausted));
    public static readonly LogEventId ScheduledRunJitter = new(1405, nameof(ScheduledRunJitter));
    public static readonly LogEventId ScheduledRunCancelled = new(1406, nameof(ScheduledRunCancelled));
    public static readonly LogEventId ScheduledRunFailed = new(1407, nameof(ScheduledRunFailed));
    public static readonly LogEventId SchedulerDraining = new(1408, nameof(SchedulerDraining));
    public static readonly LogEventId SchedulerAbandonedJobs = new(1409, nameof(SchedulerAbandonedJobs));
    public static readonly LogEventId ScheduledVerificationNoSet = new(1420, nameof(ScheduledVerificationNoSet));
    public static readonly LogEventId ScheduledVerificationSucceeded = new(1421, nameof(ScheduledVerificationSucceeded));
    public static readonly LogEventId ScheduledVerificationFailed = new(1422, nameof(ScheduledVerificationFailed));

    // The daemon and its control socket (Control/): 1500–1599.
    public static readonly LogEventId DaemonStarting = new(1500, nameof(DaemonStarting));
    public static readonly LogEventId DaemonStoppedBeforeEngine = new(1501, nameof(DaemonStoppedBeforeEngine));
    public static readonly LogEventId DaemonConnected = new(1502, nameof(DaemonConnected));
    public static readonly LogEventId DaemonStopping = new(1503, nameof(DaemonStopping));
    public static readonly LogEventId DaemonStopped = new(1504, nameof(DaemonStopped));
    public static readonly LogEventId EngineNotAnsweringYet = new(1505, nameof(EngineNotAnsweringYet));
    public static readonly LogEventId EngineDidNotAnswer = new(1506, nameof(EngineDidNotAnswer));
    public static readonly LogEventId ControlSocketListening = new(1510, nameof(ControlSocketListening));
    public static readonly LogEventId ControlRequestsNotDrained = new(1511, nameof(ControlRequestsNotDrained));
    public static readonly LogEventId ControlAcceptFailed = new(1512, nameof(ControlAcceptFailed));
    public static readonly LogEventId ControlRequestFailed = new(1513, nameof(ControlRequestFailed));
    public static readonly LogEventId ControlRequestRefused = new(1514, nameof(ControlRequestRefused));
    public static readonly LogEventId RunNowRequested = new(1520, nameof(RunNowRequested));
    public static readonly LogEventId RunNowWaits = new(1521, nameof(RunNowWaits));
    public static readonly LogEventId ScheduledRunSkippedBusy = new(1522, nameof(ScheduledRunSkippedBusy));
    public static readonly LogEventId RunRecordSlow = new(1523, nameof(RunRecordSlow));
    public static readonly LogEventId RunSubscriberFailed = new(1524, nameof(RunSubscriberFailed));
    public static readonly LogEventId StatusFileUnreadable = new(1530, nameof(StatusFileUnreadable));
    public static readonly LogEventId StatusFileUnwritable = new(1531, nameof(StatusFileUnwritable));

    // Copying sets between storages (Storage/Sync/): 1600–1699.
    public static readonly LogEventId SetSynced = new(1600, nameof(SetSynced));
    public static readonly LogEventId SetSyncFailed = new(1601, nameof(SetSyncFailed));

    // Notifications and the missed-schedule check (Notifiers/): 1700–1799.
    public static readonly LogEventId NotificationFailed = new(1700, nameof(NotificationFailed));
    public static readonly LogEventId NotificationDropped = new(1701, nameof(NotificationDropped));
    public static readonly LogEventId ScheduleMissed = new(1710, nameof(ScheduleMissed));
    public static readonly LogEventId ScheduleRecovered = new(1711, nameof(ScheduleRecovered));

    // The daemon's HTTP endpoint (Http/): 1800–1899.
    public static readonly LogEventId HttpListening = new(1800, nameof(HttpListening));
    public static readonly LogEventId HttpUnauthorized = new(1801, nameof(HttpUnauthorized));
    public static readonly LogEventId HttpRequestFailed = new(1802, nameof(HttpRequestFailed));
    public static readonly LogEventId HttpRunRequested = new(1803, nameof(HttpRunRequested));
    public static readonly LogEventId HttpRunRefusedBusy = new(1804, nameof(HttpRunRefusedBusy));
    public static readonly LogEventId HttpRunFailed = new(1805, nameof(HttpRunFailed));
    public static readonly LogEventId HttpRunsNotDrained = new(1806, nameof(HttpRunsNotDrained));

    // File trees a storage backs up itself (restic), and its prune schedule: 1900–1999.
    public static readonly LogEventId FileTreeStored = new(1900, nameof(FileTreeStored));
    public static readonly LogEventId FileTreeFailed = new(1901, nameof(FileTreeFailed));
    public static readonly LogEventId RepositoryPruned = new(1902, nameof(RepositoryPruned));
    public static readonly LogEventId RepositoryPruneFailed = new(1903, nameof(RepositoryPruneFailed));

    // Several engines (Docker/Engines/, Runs/): 2000–2099.
    public static readonly LogEventId EngineNotSwept = new(2000, nameof(EngineNotSwept));
    public static readonly LogEventId EngineUnreachable = new(2001, nameof(EngineUnreachable));
    public static readonly LogEventId StoppedContainerEngineUnknown = new(2002, nameof(StoppedContainerEngineUnknown));

    // Swarm mode (2100-2199).
    public static readonly LogEventId SwarmSourceSkipped = new(2100, nameof(SwarmSourceSkipped));
    public static readonly LogEventId SwarmNodeDetected = new(2101, nameof(SwarmNodeDetected));
    public static readonly LogEventId SwarmStopSkipped = new(2102, nameof(SwarmStopSkipped));
    public static readonly LogEventId ContainerPausing = new(2103, nameof(ContainerPausing));
    public static readonly LogEventId ContainerUnpaused = new(2104, nameof(ContainerUnpaused));
    public static readonly LogEventId SwarmHookSkipped = new(2105, nameof(SwarmHookSkipped));

    // What the fault suite showed (a killed agent's execs): 2200–2299.
    public static readonly LogEventId LeftoverExecEnded = new(2200, nameof(LeftoverExecEnded));
    public static readonly LogEventId LeftoverExecNotEnded = new(2201, nameof(LeftoverExecNotEnded));

    // Execs through a socket proxy that drops the connection upgrade (Docker/Engine/, Sources/): 2750–2799.
    public static readonly LogEventId PgListCheckNoStdin = new(2750, nameof(PgListCheckNoStdin));

    // Swarm volumes a moved task may have left behind (Swarm/LeftBehindVolumes): 2650–2699.
    public static readonly LogEventId SwarmVolumeMaybeLeftBehind = new(2650, nameof(SwarmVolumeMaybeLeftBehind));
    public static readonly LogEventId SwarmVolumeBackedUpOnceMore = new(2651, nameof(SwarmVolumeBackedUpOnceMore));
}

/// <summary>A log event's stable id and name; added to each event written through <see cref="LogEventIds.ForEvent"/>.</summary>
internal sealed class LogEventId : ILogEventEnricher
{
    /// <summary>The property name Microsoft.Extensions.Logging's Serilog bridge uses too.</summary>
    public const string PropertyName = "EventId";

    private readonly LogEventProperty _property;

    public LogEventId(int id, string name)
    {
        Id = id;
        Name = name;
        _property = new LogEventProperty(PropertyName, new StructureValue([new LogEventProperty("Id", new ScalarValue(id)), new LogEventProperty("Name", new ScalarValue(name))]));
    }

    public int Id { get; }

    public string Name { get; }

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        logEvent.AddOrUpdateProperty(_property);
    }

    public override string ToString() => $"{Id} {Name}";
}

internal static class LogEventIds
{
    /// <summary>The logger for one event: <c>log.ForEvent(LogEvents.RunStarted).Information(...)</c>.</summary>
    public static ILogger ForEvent(this ILogger log, LogEventId id)
    {
        ArgumentNullException.ThrowIfNull(log);
        return log.ForContext(id);
    }
}

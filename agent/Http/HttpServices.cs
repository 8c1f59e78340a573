using Serilog;
using VolumeAgent.Control.Status;
using VolumeAgent.Http.Api;
using VolumeAgent.Http.Metrics;
using VolumeAgent.Policy;
using VolumeAgent.Storage;

namespace VolumeAgent.Http;

/// <summary>What the endpoint's handlers read and start: the daemon's own status, storages, run service and counts.</summary>
internal sealed record HttpServices
{
    public required BackupPolicy Policy { get; init; }

    public required HttpOptions Options { get; init; }

    /// <summary>The daemon's report, the same that <c>status --json</c> prints.</summary>
    public required Func<AgentStatus> Status { get; init; }

    public required IReadOnlyDictionary<string, IBackupStore> Stores { get; init; }

    public required TriggeredRuns Runs { get; init; }

    public required RunMetricsBook Metrics { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Log { get; init; }
}

using VolumeAgent.Control.Status;
using VolumeAgent.Manifest;
using VolumeAgent.Operations;

namespace VolumeAgent.Http.Metrics;

/// <summary>
/// What <c>/metrics</c> reports beyond the status book: runs counted by outcome, each job's last success, the last
/// verification or drill of each job in each storage, and the sets retention deleted, all since the daemon started
/// (a job's last success starts from its last run in status.json when that succeeded). A run service subscriber,
/// registered by the daemon when <c>http:</c> is configured.
/// </summary>
internal sealed class RunMetricsBook : IRunSubscriber
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Job, string Outcome), long> _runs = [];
    private readonly Dictionary<string, DateTimeOffset> _lastSuccess = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Job, string Storage), Verification> _verifications = [];
    private readonly Dictionary<(string Job, string Storage), Retention> _retention = [];

    public RunMetricsBook(IEnumerable<JobStatus> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var job in known)
        {
            if (job.LastRun is { Status: RunRecord.Succeeded, FinishedAt: { } finished })
            {
                _lastSuccess[job.Job] = finished;
            }
        }
    }

    public void OnEvent(RunEvent runEvent)
    {
        lock (_gate)
        {
            switch (runEvent)
            {
                case RunEnded ended:
                    var outcome = ended.Cancelled ? "cancelled" : ended.Succeeded ? RunRecord.Succeeded : RunRecord.Failed;
                    _runs[(ended.Job, outcome)] = _runs.GetValueOrDefault((ended.Job, outcome)) + 1;
                    if (ended.Succeeded)
                    {
                        _lastSuccess[ended.Job] = ended.Result!.FinishedAt;
                    }

                    break;
                case RetentionApplied retention:
                    var before = _retention.GetValueOrDefault((retention.Job, retention.Storage));
                    _retention[(retention.Job, retention.Storage)] = new Retention(before.Deleted + retention.Pruned.Count, retention.Kept.Count);
                    break;
                case VerificationEnded verification:
                    _verifications[(verification.Job, verification.Set.StorageName)] = new Verification(
                        verification.Result.Kind == ManifestVerificationKind.Drill ? "drill" : "verify",
                        verification.Result.Succeeded,
                        verification.Result.VerifiedAt);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>A copy of everything counted so far.</summary>
    public RunMetricsSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new RunMetricsSnapshot(
                new Dictionary<(string, string), long>(_runs),
                new Dictionary<string, DateTimeOffset>(_lastSuccess, StringComparer.Ordinal),
                new Dictionary<(string, string), Verification>(_verifications),
                new Dictionary<(string, string), Retention>(_retention));
        }
    }

    /// <summary>The last check of a job's newest set in one storage.</summary>
    internal readonly record struct Verification(string Kind, bool Succeeded, DateTimeOffset At);

    /// <summary>Sets retention deleted in one storage since the daemon started, and how many its last pass kept.</summary>
    internal readonly record struct Retention(long Deleted, int Kept);
}

/// <summary>A copy of <see cref="RunMetricsBook"/>'s counts at one moment.</summary>
internal sealed record RunMetricsSnapshot(
    IReadOnlyDictionary<(string Job, string Outcome), long> Runs,
    IReadOnlyDictionary<string, DateTimeOffset> LastSuccess,
    IReadOnlyDictionary<(string Job, string Storage), RunMetricsBook.Verification> Verifications,
    IReadOnlyDictionary<(string Job, string Storage), RunMetricsBook.Retention> Retention);

using VolumeAgent.Manifest;
using VolumeAgent.Operations;

namespace VolumeAgent.Http.Api;

/// <summary>
/// One run asked for through <c>POST /api/v1/jobs/{job}/runs</c>, as <c>GET /api/v1/runs/{id}</c> shows it: the
/// run's own subscriber, so it follows the run from its start to its end.
/// </summary>
internal sealed class TriggeredRun : IRunSubscriber
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Refused = "refused";

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<bool> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private RunView _view;

    public TriggeredRun(string job, RunOrder order, DateTimeOffset requestedAt)
    {
        ArgumentNullException.ThrowIfNull(order);
        Order = order;
        _view = new RunView { RunId = order.RunId.ToString(), Job = job, Tag = order.Tag, Status = Starting, RequestedAt = requestedAt };
    }

    public RunOrder Order { get; }

    /// <summary>True once the run holds the job's lock; false when it did not start (the job was running).</summary>
    public Task<bool> Started => _started.Task;

    public RunView View
    {
        get
        {
            lock (_gate)
            {
                return _view;
            }
        }
    }

    public void OnEvent(RunEvent runEvent)
    {
        lock (_gate)
        {
            switch (runEvent)
            {
                case RunStarted started:
                    _view = _view with { Status = Running, StartedAt = started.At };
                    _started.TrySetResult(true);
                    break;
                case RunSkipped:
                    _view = _view with { Status = Refused, Error = "A run of the job was going on; nothing started." };
                    _started.TrySetResult(false);
                    break;
                case ArtifactFinished finished:
                    _view = _view with
                    {
                        Artifacts = _view.Artifacts + 1,
                        FailedArtifacts = _view.FailedArtifacts + (finished.Artifact.Status == ManifestStatus.Succeeded ? 0 : 1),
                    };
                    break;
                case RunEnded ended:
                    _view = _view with
                    {
                        Status = ended.Succeeded ? Succeeded : Failed,
                        StartedAt = ended.StartedAt,
                        FinishedAt = ended.At,
                        Set = ended.Result?.SetName is { Length: > 0 } set ? set : null,
                        Artifacts = ended.Result?.Artifacts.Count ?? _view.Artifacts,
                        FailedArtifacts = ended.Result?.Artifacts.Count(a => a.Status != ManifestStatus.Succeeded) ?? _view.FailedArtifacts,
                        RawBytes = ended.Result?.Artifacts.Sum(a => a.RawBytes) ?? 0,
                        StoredBytes = ended.Result?.Artifacts.Sum(a => a.StoredBytes) ?? 0,
                        Error = ended.Error,
                    };
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>The run threw before it started (no lock, no events): it failed.</summary>
    public void FailedToStart(string error)
    {
        lock (_gate)
        {
            _view = _view with { Status = Failed, Error = error };
        }

        _started.TrySetResult(false);
    }
}

/// <summary>A triggered run as the API answers it (snake_case JSON).</summary>
internal sealed record RunView
{
    public required string RunId { get; init; }

    public required string Job { get; init; }

    public string? Tag { get; init; }

    /// <summary>starting, running, succeeded, failed, or refused (a run of the job was going on).</summary>
    public required string Status { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The set's directory name in the job's storages, once the run has written it.</summary>
    public string? Set { get; init; }

    public int Artifacts { get; init; }

    public int FailedArtifacts { get; init; }

    public long RawBytes { get; init; }

    public long StoredBytes { get; init; }

    public string? Error { get; init; }
}

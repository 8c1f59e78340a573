using VolumeAgent.Manifest;
using VolumeAgent.Policy.Jobs;

namespace VolumeAgent.Runs;

/// <summary>
/// What a hook learns of its run through its environment: every hook gets <c>VOLUME_AGENT_JOB</c> and
/// <c>VOLUME_AGENT_RUN_ID</c>; after-hooks also the run's <c>VOLUME_AGENT_STATUS</c> (succeeded, failed or
/// cancelled), <c>VOLUME_AGENT_SET</c>, <c>VOLUME_AGENT_STORAGES</c> and <c>VOLUME_AGENT_ARTIFACTS</c> (the stored
/// artifacts' keys inside each storage, <c>&lt;job&gt;/&lt;set&gt;/&lt;file&gt;</c>, one per line).
/// </summary>
internal static class HookEnvironment
{
    public const string Job = "VOLUME_AGENT_JOB";
    public const string RunId = "VOLUME_AGENT_RUN_ID";
    public const string Status = "VOLUME_AGENT_STATUS";
    public const string Set = "VOLUME_AGENT_SET";
    public const string Storages = "VOLUME_AGENT_STORAGES";
    public const string Artifacts = "VOLUME_AGENT_ARTIFACTS";

    public static IReadOnlyList<string> Before(JobOptions job, RunId runId)
    {
        ArgumentNullException.ThrowIfNull(job);
        return [$"{Job}={job.Name}", $"{RunId}={runId}"];
    }

    /// <summary>The environment of the after-hooks of a run that has its result.</summary>
    public static IReadOnlyList<string> After(JobOptions job, RunResult result)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(result);
        var stored = result.SetName.Length == 0
            ? []
            : result.Artifacts
                .Where(a => a.Status == ManifestStatus.Succeeded && a.File is not null)
                .Select(a => $"{job.Name}/{result.SetName}/{a.File}")
                .ToList();
        return
        [
            .. Before(job, result.RunId),
            $"{Status}={(result.Succeeded ? "succeeded" : "failed")}",
            $"{Set}={result.SetName}",
            $"{Storages}={string.Join(' ', job.StorageNames)}",
            $"{Artifacts}={string.Join('\n', stored)}",
        ];
    }

    /// <summary>The environment of the after-hooks of a run that was cancelled or broke off without a result.</summary>
    public static IReadOnlyList<string> AfterAborted(JobOptions job, RunId runId, bool cancelled) =>
    [
        .. Before(job, runId),
        $"{Status}={(cancelled ? "cancelled" : "failed")}",
        $"{Set}=",
        $"{Storages}={string.Join(' ', job.StorageNames)}",
        $"{Artifacts}=",
    ];
}

using VolumeAgent.Manifest;
using VolumeAgent.Operations;
using VolumeAgent.Runs;

namespace VolumeAgent.Notifiers;

/// <summary>Turns the run service's events into <see cref="Notification"/>s; pure, so its tests need no receiver.</summary>
internal static class NotificationBuilder
{
    public static Notification Started(RunStarted started)
    {
        ArgumentNullException.ThrowIfNull(started);
        return new Notification
        {
            Kind = NotificationKind.Started,
            Job = started.Job,
            At = started.At,
            Trigger = RunTriggers.Text(started.Trigger),
            Status = "started",
            StartedAt = started.At,
        };
    }

    /// <summary>A run that ended: a success, a failure, or a retention error (the run broke off while it pruned).</summary>
    public static Notification Ended(RunEnded ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        if (ended.Result is not { } result)
        {
            return new Notification
            {
                Kind = ended.Failure is RetentionFailedException ? NotificationKind.RetentionError : NotificationKind.Failure,
                Job = ended.Job,
                At = ended.At,
                Trigger = RunTriggers.Text(ended.Trigger),
                Status = ended.Cancelled ? "cancelled" : "failed",
                StartedAt = ended.StartedAt,
                FinishedAt = ended.At,
                Error = ended.Error ?? "The run ended without a result.",
            };
        }

        var artifacts = result.Artifacts.Select(Artifact).ToList();
        return new Notification
        {
            Kind = result.Succeeded ? NotificationKind.Success : NotificationKind.Failure,
            Job = ended.Job,
            At = ended.At,
            RunId = result.RunId.ToString(),
            Trigger = RunTriggers.Text(ended.Trigger),
            Status = result.Succeeded ? "succeeded" : "failed",
            Set = result.SetName.Length == 0 ? null : result.SetName,
            StartedAt = result.StartedAt,
            FinishedAt = result.FinishedAt,
            RawBytes = artifacts.Sum(a => a.RawBytes),
            StoredBytes = artifacts.Sum(a => a.StoredBytes),
            Artifacts = artifacts,
            Error = result.Succeeded ? null : result.Error ?? FailedArtifactsText(artifacts),
        };
    }

    /// <summary>A failed verification or drill; null for one that succeeded (there is no event for that).</summary>
    public static Notification? Verified(VerificationEnded ended)
    {
        ArgumentNullException.ThrowIfNull(ended);
        var result = ended.Result;
        if (result.Succeeded)
        {
            return null;
        }

        var problems = result.Problems.Concat(result.Artifacts.Where(a => !a.Succeeded && !a.Skipped).Select(a => $"{a.File}: {a.Detail}")).ToList();
        return new Notification
        {
            Kind = NotificationKind.VerifyFailure,
            Job = ended.Job,
            At = ended.At,
            RunId = ended.Set.Set.RunId.ToString(),
            Trigger = ended.Drill ? "drill" : "verify",
            Status = "failed",
            Set = ended.Set.Set.DirectoryName,
            Storage = ended.Set.StorageName,
            FinishedAt = result.VerifiedAt,
            Artifacts = [.. result.Artifacts.Where(a => !a.Skipped).Select(a => new NotificationArtifact
            {
                Source = a.File,
                File = a.File,
                Succeeded = a.Succeeded,
                Error = a.Succeeded ? null : a.Detail,
            })],
            Error = problems.Count > 0 ? string.Join("; ", problems) : result.Details,
        };
    }

    /// <summary>The daemon's dead man's switch: no successful run of the job within its max_age.</summary>
    public static Notification Missed(string job, TimeSpan maxAge, DateTimeOffset? lastSuccess, DateTimeOffset now) => new()
    {
        Kind = NotificationKind.Missed,
        Job = job,
        At = now,
        Status = "missed",
        MaxAge = maxAge,
        LastSuccessAt = lastSuccess,
        Error = lastSuccess is { } last
            ? $"No run of job {job} has succeeded since {last.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, longer than its max_age of {Policy.Duration.Format(maxAge)}."
            : $"No run of job {job} has succeeded within its max_age of {Policy.Duration.Format(maxAge)} since the daemon started.",
    };

    private static NotificationArtifact Artifact(ManifestArtifact artifact) => new()
    {
        Source = SourceOf(artifact),
        File = artifact.File,
        Succeeded = artifact.Status == ManifestStatus.Succeeded,
        RawBytes = artifact.RawBytes,
        StoredBytes = artifact.StoredBytes,
        DurationMs = artifact.DurationMs,
        Error = artifact.Error,
    };

    /// <summary>The source's kind and name, e.g. <c>postgres db (database app)</c>; a source that failed before it started is named so already.</summary>
    private static string SourceOf(ManifestArtifact artifact)
    {
        var kind = artifact.SourceKind.ToString();
        var name = artifact.SourceName.StartsWith(kind + " ", StringComparison.Ordinal) ? artifact.SourceName : $"{kind} {artifact.SourceName}";
        return artifact.Database is { } db ? $"{name} (database {db})" : name;
    }

    private static string FailedArtifactsText(IEnumerable<NotificationArtifact> artifacts) =>
        string.Join("; ", artifacts.Where(a => !a.Succeeded).Select(a => $"{a.Source}: {a.Error}"));
}

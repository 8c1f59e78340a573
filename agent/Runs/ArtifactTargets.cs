using Serilog;
using VolumeAgent.Crypto;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// One storage of a run: its set writer (once the set has begun) and, once it has failed (down, full, refusing
/// the credentials), why. A failed storage takes no more of the run's artifacts and gets no manifest, so its set
/// lists as incomplete there; the others go on (<c>volume-agent sync</c> fills the gap later).
/// </summary>
internal sealed class StorageTarget(string name, string label)
{
    /// <summary>The storage's name in backup.yml.</summary>
    public string Name { get; } = name;

    /// <summary>The storage for messages: <c>storage 'local' (/backups)</c>.</summary>
    public string Label { get; } = label;

    public IBackupSetWriter? Writer { get; set; }

    /// <summary>Why the storage was given up for this run; null while it takes artifacts.</summary>
    public string? Failure { get; private set; }

    public bool IsLive => Writer is not null && Failure is null;

    /// <summary>
    /// True once an operation on the storage went stall_timeout without an answer (a server that hangs): nothing more
    /// of this run waits on it, not even the removal of its partial file (the next run's sweep removes that).
    /// </summary>
    public bool Stalled { get; private set; }

    /// <summary>Marks the storage stalled; <see cref="Fail"/> then gives it up with the stall as the reason.</summary>
    public void MarkStalled() => Stalled = true;

    /// <summary>
    /// Removes the partial file of one of this storage's artifacts; bounded by <paramref name="bound"/>, since a storage
    /// that stopped answering would hold the run here too. On a storage that stalled the removal is started but not
    /// waited for: the next run's sweep removes what it could not.
    /// </summary>
    public async Task AbortAsync(IArtifactWriter output, TimeSpan bound, TimeProvider time, ILogger log)
    {
        if (Stalled)
        {
            log.ForEvent(LogEvents.PartialFileLeft).Warning(
                "{Storage} stalled: the removal of the partial file of {File} is not waited for; the next run of the job sweeps it if it is still there",
                Label,
                output.FileName);
            _ = Task.Run(output.AbortAsync).ContinueWith(
                static (aborted, state) => ((ILogger)state!).ForEvent(LogEvents.StalledStorageAbortFailed).Debug(aborted.Exception, "Removing a partial file on a stalled storage failed"),
                log,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return;
        }

        try
        {
            await output.AbortAsync().WaitAsync(bound, time);
        }
        catch (TimeoutException)
        {
            log.ForEvent(LogEvents.PartialFileLeft).Warning("Removing a partial file took longer than {Bound}; it is left for the next run of the job to sweep", bound);
        }
    }

    /// <summary>Gives the storage up for the rest of the run (the first reason is kept).</summary>
    public void Fail(string reason, ILogger log)
    {
        if (Failure is not null)
        {
            return;
        }

        Failure = reason;
        log.ForEvent(LogEvents.StorageFailed).Error("{Storage} failed and takes no more of this run: {Reason}", Label, reason);
    }
}

/// <summary>Where one run's artifacts go: every storage of the job, in the job's order, and the run's <see cref="RunActivity"/>.</summary>
internal sealed class ArtifactTargets(IReadOnlyList<StorageTarget> storages, RunActivity activity)
{
    public IReadOnlyList<StorageTarget> Storages { get; } = storages;

    public RunActivity Activity { get; } = activity;

    /// <summary>The storages still taking artifacts.</summary>
    public IReadOnlyList<StorageTarget> Live => [.. Storages.Where(s => s.IsLive)];

    /// <summary>The names of the storages that stalled in this run: nothing after the run's sources may wait on them either.</summary>
    public IReadOnlyList<string> StalledNames => [.. Storages.Where(s => s.Stalled).Select(s => s.Name)];

    /// <summary>Why no storage is left, for an artifact's error: each storage's reason.</summary>
    public string NoneLeft() =>
        "No storage could take it: " + string.Join("; ", Storages.Where(s => s.Failure is not null).Select(s => $"{s.Label}: {s.Failure}"));

    /// <summary>The same run's targets but <paramref name="some"/> (which take a source another way).</summary>
    public ArtifactTargets Without(IReadOnlyCollection<StorageTarget> some) =>
        new([.. Storages.Where(s => !some.Contains(s))], Activity) { Encryption = Encryption };

    /// <summary>The job's encryption of every artifact; null stores them as compression leaves them.</summary>
    public ArtifactEncryption? Encryption { get; init; }
}

/// <summary>A source of the job with the backup.yml entry it came from (its limits).</summary>
internal sealed record PlannedSource(SourceOptions Options, IBackupSource Source);

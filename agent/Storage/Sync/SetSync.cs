using Serilog;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy.Jobs;

namespace VolumeAgent.Storage.Sync;

/// <summary>One set <c>sync</c> copied, or tried to.</summary>
internal sealed record SyncCopy(string Job, string Set, string From, string To, long Bytes, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Catches a job's storages up with each other: every complete set of the job that a storage lacks (a run could not
/// write it there: the storage was down, full, refusing) is copied to it from a storage that holds it.
/// </summary>
internal static class SetSync
{
    /// <param name="from">Copy only from this storage; null: from any other storage of the job, in the job's order.</param>
    /// <param name="to">Copy only to this storage; null: to every storage of the job.</param>
    /// <param name="afterCopy">Called with each destination that got at least one set (e.g. to point its <c>latest</c>).</param>
    public static async Task<IReadOnlyList<SyncCopy>> SyncJobAsync(
        JobOptions job,
        IReadOnlyDictionary<string, IBackupStore> stores,
        string? from,
        string? to,
        TimeProvider time,
        ILogger log,
        Func<string, Task> afterCopy,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        IReadOnlyList<string> sources = from is null ? job.StorageNames : [from];
        IReadOnlyList<string> destinations = to is null ? job.StorageNames : [to];
        var complete = new Dictionary<string, Dictionary<string, BackupSetInfo>>(StringComparer.Ordinal);
        foreach (var name in sources.Union(destinations, StringComparer.Ordinal))
        {
            var sets = new Dictionary<string, BackupSetInfo>(StringComparer.Ordinal);
            await foreach (var set in stores[name].ListSetsAsync(job.Name, cancellationToken))
            {
                // A Swarm node copies its own sets; the node that wrote a set syncs it.
                if (set.State == BackupSetState.Complete && set.Node == stores[name].Node)
                {
                    sets[set.DirectoryName] = set;
                }
            }

            complete[name] = sets;
        }

        var copies = new List<SyncCopy>();
        foreach (var destination in destinations)
        {
            var copiedHere = false;
            foreach (var source in sources.Where(s => !string.Equals(s, destination, StringComparison.Ordinal)))
            {
                foreach (var set in complete[source].Values.OrderBy(s => s.StartedAt).ThenBy(s => s.DirectoryName, StringComparer.Ordinal))
                {
                    if (complete[destination].ContainsKey(set.DirectoryName))
                    {
                        continue;
                    }

                    try
                    {
                        var bytes = await SetCopier.CopyAsync(stores[source], source, set, stores[destination], destination, time.GetUtcNow(), cancellationToken);
                        complete[destination][set.DirectoryName] = set;
                        copiedHere = true;
                        copies.Add(new SyncCopy(job.Name, set.DirectoryName, source, destination, bytes, null));
                        log.ForEvent(LogEvents.SetSynced).Information(
                            "Copied set {Set} of job {Job} from storage {From} to storage {To} ({Bytes})", set.DirectoryName, job.Name, source, destination, Bytes.Format(bytes));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        // A storage's client library throws its own exceptions (network, protocol, credentials); each
                        // ends this copy only, and the next set (or storage) is tried.
                        copies.Add(new SyncCopy(job.Name, set.DirectoryName, source, destination, 0, ex.Message));
                        log.ForEvent(LogEvents.SetSyncFailed).Error(
                            "Copying set {Set} of job {Job} from storage {From} to storage {To} failed: {Error}", set.DirectoryName, job.Name, source, destination, ex.Message);
                    }
                }
            }

            if (copiedHere)
            {
                await afterCopy(destination);
            }
        }

        return copies;
    }
}

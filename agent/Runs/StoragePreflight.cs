using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// Before a run touches anything (hooks, containers, helpers), each of the job's storages must be there and take a
/// file: a missing local root (a backup share that did not mount), a read-only mount or a full disk fail the run
/// at once, with the storage named.
/// </summary>
internal static class StoragePreflight
{
    /// <summary>The problems of the job's storages, one sentence group per storage; null when every one can be written.</summary>
    public static async Task<string?> CheckAsync(JobOptions job, IReadOnlyDictionary<string, IBackupStore> stores, CancellationToken cancellationToken)
    {
        var problems = await FindProblemsAsync(job, stores, cancellationToken);
        return problems.Count == 0 ? null : string.Join(" ", problems.Values);
    }

    /// <summary>Each storage of the job that cannot be written, with the reason as a run reports it.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> FindProblemsAsync(
        JobOptions job, IReadOnlyDictionary<string, IBackupStore> stores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(stores);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in job.StorageNames)
        {
            try
            {
                await stores[name].CheckWritableAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems[name] = Describe(name, ex);
            }
        }

        return problems;
    }

    /// <summary>A storage failure as a run reports it: the storage's name, then the store's own account (path, cause, fix).</summary>
    public static string Describe(string storageName, Exception exception) => $"Storage '{storageName}': {exception.Message}";
}

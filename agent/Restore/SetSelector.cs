using System.Runtime.CompilerServices;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore;

/// <summary>
/// Finds the set a command names: its directory name (<c>20261121T020000Z-3f9c07a2</c>), <c>JOB/DIRECTORY</c>,
/// <c>JOB/latest</c> (the newest complete set whose run succeeded), or a prefix of its run id that fits one set;
/// <c>JOB@NODE/…</c> looks only at the sets of that Swarm node.
/// The same set in several storages is one set; the first storage (in the order given) that holds a complete copy is used.
/// </summary>
internal static class SetSelector
{
    public const string LatestKeyword = "latest";
    private const int ListedCandidates = 8;

    /// <summary>Every set of the stores (or of the one named), in store order, then job and time.</summary>
    public static async IAsyncEnumerable<StoredSet> ListAsync(
        IReadOnlyDictionary<string, IBackupStore> stores, string? storage, string? job, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        if (storage is not null && !stores.ContainsKey(storage))
        {
            throw new SetNotFoundException($"No storage named '{storage}' in the configuration. Storages: {string.Join(", ", stores.Keys)}.");
        }

        foreach (var (name, store) in stores)
        {
            if (storage is not null && !string.Equals(name, storage, StringComparison.Ordinal))
            {
                continue;
            }

            await foreach (var set in store.ListSetsAsync(job, cancellationToken))
            {
                yield return new StoredSet(name, store, set);
            }
        }
    }

    /// <summary>
    /// The one set <paramref name="spec"/> names, its first complete copy; throws <see cref="SetNotFoundException"/> when none
    /// or several fit, <see cref="SetUnusableException"/> when it exists but no copy is complete (incomplete, corrupt).
    /// </summary>
    public static StoredSet Select(IReadOnlyList<StoredSet> sets, string spec)
    {
        var copies = Copies(sets, spec);
        return copies.FirstOrDefault(s => s.Set.State == BackupSetState.Complete) ?? throw new SetUnusableException(Unusable(copies[0]));
    }

    /// <summary>Why a copy of a set cannot be used, naming it, its storage and its state.</summary>
    public static string Unusable(StoredSet copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        return $"Backup set {copy.Name} in storage {copy.StorageName} is {copy.Set.State.ToString().ToLowerInvariant()}: {copy.Set.Problem}";
    }

    /// <summary>
    /// Every copy (one per storage that holds it, complete or not) of the one set <paramref name="spec"/> names, in store
    /// order; throws <see cref="SetNotFoundException"/> when none or several sets fit.
    /// </summary>
    public static IReadOnlyList<StoredSet> Copies(IReadOnlyList<StoredSet> sets, string spec)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        spec = spec.Trim().TrimEnd('/');
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        IReadOnlyList<StoredSet> candidates;
        if (slash >= 0)
        {
            var job = spec[..slash];
            var rest = spec[(slash + 1)..];

            // JOB@NODE/...: the sets a Swarm node wrote (JOB/... is every node's).
            var (jobName, node) = BackupSetLayout.SplitStorageJobName(job);
            var ofJob = sets.Where(s => string.Equals(s.Set.Job, jobName, StringComparison.Ordinal) && (node is null || s.Set.Node == node)).ToList();
            if (ofJob.Count == 0)
            {
                throw new SetNotFoundException($"No backup sets of job '{job}' in the storage(s). Jobs with sets: {Jobs(sets)}.");
            }

            if (string.Equals(rest, LatestKeyword, StringComparison.Ordinal))
            {
                return LatestGood(ofJob) is [var latest, ..]
                    ? [.. ofJob.Where(s => s.Name == latest.Name && s.Set.State == BackupSetState.Complete)]
                    : throw new SetNotFoundException(
                        $"Job '{job}' has no complete backup set whose run succeeded. Its sets: {List(ofJob)}. Name one of them to use it anyway.");
            }

            candidates = Match(ofJob, rest);
        }
        else
        {
            candidates = Match(sets, spec);
        }

        var distinct = candidates.GroupBy(s => s.Name, StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            throw new SetNotFoundException(
                $"No backup set is named '{spec}' or has a run id starting with it. Name a set as JOB/latest, JOB/DIRECTORY, its directory name or a run id prefix; `volume-agent list` shows them.");
        }

        if (distinct.Count > 1)
        {
            throw new SetNotFoundException($"'{spec}' fits {distinct.Count} backup sets: {List(distinct.Select(g => g.First()).ToList())}. Give more of the run id, or the full directory name.");
        }

        return [.. distinct[0]];
    }

    /// <summary>Per job, the newest complete set whose run succeeded, one per job; in job order.</summary>
    public static IReadOnlyList<StoredSet> LatestGood(IEnumerable<StoredSet> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        return sets
            .Where(s => s.Set.IsGoodBackup)
            .GroupBy(s => s.Set.Job, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g
                .OrderByDescending(s => s.Set.StartedAt)
                .ThenByDescending(s => s.Set.DirectoryName, StringComparer.Ordinal)
                .First())
            .ToList();
    }

    private static List<StoredSet> Match(IReadOnlyList<StoredSet> sets, string spec)
    {
        var byName = sets.Where(s => string.Equals(s.Set.DirectoryName, spec, StringComparison.Ordinal)).ToList();
        if (byName.Count > 0)
        {
            return byName;
        }

        return IsRunIdPrefix(spec)
            ? sets.Where(s => s.Set.RunId.ToString().StartsWith(spec, StringComparison.Ordinal)).ToList()
            : [];
    }

    private static bool IsRunIdPrefix(string text) =>
        text.Length is > 0 and <= RunId.Length && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static string Jobs(IReadOnlyList<StoredSet> sets)
    {
        var jobs = sets.Select(s => s.Set.Job).Distinct(StringComparer.Ordinal).ToList();
        return jobs.Count == 0 ? "none" : string.Join(", ", jobs);
    }

    private static string List(IReadOnlyList<StoredSet> sets)
    {
        var names = sets.Select(s => s.Name).Distinct(StringComparer.Ordinal).ToList();
        var shown = string.Join(", ", names.Take(ListedCandidates));
        return names.Count > ListedCandidates ? $"{shown} and {names.Count - ListedCandidates} more" : shown;
    }
}

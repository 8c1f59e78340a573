using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Pipeline;

namespace VolumeAgent.Storage.Sync;

/// <summary>
/// Copies one complete set from one storage to another, streamed file by file, each checked against the source's
/// SHA256SUMS as it is written: a file that does not match is not committed, so a copy is never a quiet corruption.
/// The copy is written like a run's set (temporary names, SHA256SUMS, manifest.json last), under the same directory
/// name, so it lists, verifies and restores exactly as the original.
/// </summary>
internal static class SetCopier
{
    private const int CopyBufferBytes = 1024 * 1024;

    /// <returns>The bytes copied.</returns>
    public static async Task<long> CopyAsync(
        IBackupStore from, string fromName, BackupSetInfo set, IBackupStore to, string toName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var manifest = set.State == BackupSetState.Complete && set.Manifest is not null
            ? set.Manifest
            : throw new InvalidOperationException($"Backup set {set.Job}/{set.DirectoryName} in storage '{fromName}' is not complete; only complete sets are copied.");
        var sums = await ChecksumsFile.ReadAsync(from, set, cancellationToken)
            ?? throw new StorageException($"Backup set {set.Job}/{set.DirectoryName} in storage '{fromName}' has no {BackupSetLayout.ChecksumsFileName}, so its copy could not be checked; run `volume-agent verify {set.Job}` on it.");
        if (sums.Problems.Count > 0)
        {
            throw new StorageException($"{BackupSetLayout.ChecksumsFileName} of backup set {set.Job}/{set.DirectoryName} in storage '{fromName}' is damaged ({string.Join("; ", sums.Problems)}); it was not copied.");
        }

        if (!BackupSetLayout.TryParseSetName(set.DirectoryName, out var nameTime, out var runId))
        {
            throw new ArgumentException($"'{set.DirectoryName}' is not a backup set directory name.", nameof(set));
        }

        // What a failed run (or an interrupted copy) left there under the same name is replaced; never a complete set.
        await foreach (var existing in to.ListSetsAsync(set.Job, cancellationToken))
        {
            if (string.Equals(existing.DirectoryName, set.DirectoryName, StringComparison.Ordinal))
            {
                if (existing.State == BackupSetState.Complete)
                {
                    throw new InvalidOperationException($"Backup set {set.Job}/{set.DirectoryName} is already complete in storage '{toName}'.");
                }

                await to.DeleteSetAsync(existing, cancellationToken);
            }
        }

        long copied = 0;
        await using var writer = await to.BeginSetAsync(set.Job, nameTime, runId, cancellationToken);
        foreach (var name in sums.FileNames)
        {
            var expected = sums.HashOf(name)!;
            await using var output = await writer.CreateArtifactAsync(name, cancellationToken);
            string actual;
            await using (var input = await from.OpenArtifactReadAsync(set, name, cancellationToken))
            await using (var hashing = new HashingStream(output.Stream, leaveOpen: true))
            {
                await input.CopyToAsync(hashing, CopyBufferBytes, cancellationToken);
                actual = hashing.FinishHash();
                copied += hashing.BytesWritten;
            }

            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                await output.AbortAsync();
                throw new StorageException(
                    $"{name} of backup set {set.Job}/{set.DirectoryName} in storage '{fromName}' does not match its {BackupSetLayout.ChecksumsFileName} " +
                    $"(read {actual[..12]}…, listed {expected[..12]}…), so it was not copied to '{toName}'. Run `volume-agent verify {set.Job}` to check the set.");
            }

            await output.CommitAsync(actual, cancellationToken);
        }

        // The checks of the original were made on the original; the copy says where it came from and when.
        await writer.CompleteAsync(manifest with { Verification = null, Storages = WithSynced(manifest.Storages, toName, now) }, cancellationToken);
        return copied;
    }

    /// <summary>The manifest's storage list with <paramref name="storage"/> now holding the set.</summary>
    public static IReadOnlyList<ManifestStorage> WithSynced(IReadOnlyList<ManifestStorage>? storages, string storage, DateTimeOffset now) =>
    [
        .. (storages ?? []).Where(s => !string.Equals(s.Name, storage, StringComparison.Ordinal)),
        new ManifestStorage { Name = storage, Status = ManifestStatus.Succeeded, SyncedAt = now },
    ];
}

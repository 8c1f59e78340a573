using System.Runtime.CompilerServices;
using VolumeAgent.Storage;

namespace VolumeAgent.Manifest.Sets;

/// <summary>Lists the sets of a storage and says of each whether it is complete, incomplete or corrupt, and why.</summary>
internal static class SetReader
{
    /// <summary>See <see cref="IBackupStore.ListSetsAsync"/>.</summary>
    public static async IAsyncEnumerable<BackupSetInfo> ListAsync(
        IObjectStore objects, string? job, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (job is not null)
        {
            BackupSetLayout.ThrowIfInvalidJobName(job);
        }

        // The job's own directory and each Swarm node's (<job>@<node>), or every job's.
        List<string> names = job is null ? [] : [job];
        await foreach (var name in objects.ListJobsAsync(cancellationToken))
        {
            if (BackupSetLayout.IsValidJobName(name) && !names.Contains(name, StringComparer.Ordinal)
                && (job is null || (BackupSetLayout.SplitStorageJobName(name) is var (nameJob, nameNode) && nameNode is not null && nameJob == job)))
            {
                names.Add(name);
            }
        }

        // A job's sets come in order of time whichever node wrote them.
        foreach (var directories in names.GroupBy(n => BackupSetLayout.SplitStorageJobName(n).Job, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var sets = new List<BackupSetInfo>();
            foreach (var storageJob in directories)
            {
                await foreach (var name in objects.ListSetsAsync(storageJob, cancellationToken))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (BackupSetLayout.TryParseSetName(name, out var nameTime, out var runId))
                    {
                        sets.Add(await ReadAsync(objects, new SetAddress(storageJob, name), nameTime, runId, cancellationToken));
                    }
                }
            }

            foreach (var set in sets.OrderBy(s => s.StartedAt).ThenBy(s => s.DirectoryName, StringComparer.Ordinal))
            {
                yield return set;
            }
        }
    }

    private static async Task<BackupSetInfo> ReadAsync(
        IObjectStore objects, SetAddress address, DateTimeOffset nameTime, RunId runId, CancellationToken cancellationToken)
    {
        var (job, node) = BackupSetLayout.SplitStorageJobName(address.Job);
        var info = new BackupSetInfo
        {
            Job = job,
            Node = node,
            DirectoryName = address.Name,
            RunId = runId,
            StartedAt = nameTime,
            State = BackupSetState.Incomplete,
            TotalStoredBytes = 0,
            ArtifactCount = 0,
        };

        IReadOnlyList<StoredObject> stored;
        try
        {
            stored = await objects.ListObjectsAsync(address, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return info with { State = BackupSetState.Corrupt, Problem = $"The set directory cannot be read: {ex.Message}" };
        }

        info = info with
        {
            TotalStoredBytes = stored.Sum(o => o.Length),
            ArtifactCount = stored.Count(o => BackupSetLayout.IsValidArtifactName(o.Name)),
        };
        var manifestObject = stored.FirstOrDefault(o => string.Equals(o.Name, BackupSetLayout.ManifestFileName, StringComparison.Ordinal));
        if (manifestObject.Name is null)
        {
            return info with
            {
                Problem = "No manifest.json: the run is still going, it stopped before finishing (crash or restart), or a delete was interrupted.",
            };
        }

        BackupManifest manifest;
        try
        {
            manifest = ManifestSerializer.Deserialize(await ReadManifestBytesAsync(objects, address, manifestObject.Length, cancellationToken));
        }
        catch (Exception ex) when (ex is ManifestFormatException or IOException or UnauthorizedAccessException)
        {
            return info with { State = BackupSetState.Corrupt, Problem = ex.Message };
        }

        if (!string.Equals(manifest.Job, job, StringComparison.Ordinal) || manifest.RunId != runId)
        {
            return info with
            {
                State = BackupSetState.Corrupt,
                Problem = $"manifest.json belongs to job '{manifest.Job}' run {manifest.RunId}, not to this directory ({address.Job}/{address.Name}); it was probably copied from another set.",
            };
        }

        return info with
        {
            State = BackupSetState.Complete,
            Manifest = manifest,
            StartedAt = manifest.StartedAt,
            ArtifactCount = manifest.Artifacts.Count,
        };
    }

    /// <summary>The manifest's bytes, never more than a manifest may have (a damaged or hostile file must not fill memory).</summary>
    private static async Task<byte[]> ReadManifestBytesAsync(IObjectStore objects, SetAddress address, long length, CancellationToken cancellationToken)
    {
        if (length > ManifestSerializer.MaxManifestBytes)
        {
            throw new ManifestFormatException($"manifest.json is {length} bytes, more than the {ManifestSerializer.MaxManifestBytes} bytes a manifest may have.");
        }

        var stream = await objects.OpenReadAsync(address, BackupSetLayout.ManifestFileName, cancellationToken);
        await using (stream)
        {
            using var content = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (content.Length + read > ManifestSerializer.MaxManifestBytes)
                {
                    throw new ManifestFormatException($"manifest.json is more than the {ManifestSerializer.MaxManifestBytes} bytes a manifest may have.");
                }

                content.Write(buffer, 0, read);
            }

            return content.ToArray();
        }
    }
}

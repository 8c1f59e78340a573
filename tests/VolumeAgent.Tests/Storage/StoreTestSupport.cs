using System.Security.Cryptography;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Local;
using VolumeAgent.Tests.Manifest;

namespace VolumeAgent.Tests.Storage;

internal static class StoreTestSupport
{
    /// <summary>A local directory storage, used as a run uses it: through the shared set logic.</summary>
    public static SetStore Local(string rootPath, bool createRoot = false) => new(new LocalDirectoryStore(rootPath, createRoot));

    extension(SetStore store)
    {
        /// <summary>The root directory of a <see cref="Local"/> store.</summary>
        public string RootPath => ((LocalDirectoryStore)store.Objects).RootPath;
    }

    public static byte[] Content(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256Hex(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>Writes and commits an artifact in uneven chunks, as a compressor would; returns its manifest entry.</summary>
    public static async Task<ManifestArtifact> WriteArtifactAsync(IBackupSetWriter set, string fileName, byte[] content)
    {
        await using var artifact = await set.CreateArtifactAsync(fileName, CancellationToken.None);
        for (var offset = 0; offset < content.Length; offset += 7919)
        {
            await artifact.Stream.WriteAsync(content.AsMemory(offset, Math.Min(7919, content.Length - offset)));
        }

        var sha256 = Sha256Hex(content);
        await artifact.CommitAsync(sha256, CancellationToken.None);
        return ManifestSamples.Artifact(fileName, sha256, content.Length);
    }

    /// <summary>A complete, succeeded set with the given artifacts in a <see cref="Local"/> store; returns its directory path.</summary>
    public static async Task<string> WriteCompleteSetAsync(
        SetStore store, string job, DateTimeOffset started, RunId runId, params (string Name, byte[] Content)[] artifacts) =>
        Path.Combine(store.RootPath, job, await CompleteSetAsync(store, job, started, runId, artifacts));

    /// <summary>A complete, succeeded set with the given artifacts in any store; returns its name.</summary>
    public static Task<string> CompleteSetAsync(
        IBackupStore store, string job, DateTimeOffset started, RunId runId, params (string Name, byte[] Content)[] artifacts) =>
        CompleteSetAsync(store, job, started, runId, ManifestTrigger.Manual, artifacts);

    /// <summary>A complete, succeeded set a run of <paramref name="trigger"/> made; returns its name.</summary>
    public static async Task<string> CompleteSetAsync(
        IBackupStore store, string job, DateTimeOffset started, RunId runId, ManifestTrigger trigger, params (string Name, byte[] Content)[] artifacts)
    {
        await using var set = await store.BeginSetAsync(job, started, runId, CancellationToken.None);
        var entries = new List<ManifestArtifact>();
        foreach (var (name, content) in artifacts)
        {
            entries.Add(await WriteArtifactAsync(set, name, content));
        }

        await set.CompleteAsync(ManifestSamples.Manifest(job, runId, started, entries) with { Trigger = trigger }, CancellationToken.None);
        return set.DirectoryName;
    }

    public static async Task<List<BackupSetInfo>> ListAsync(IBackupStore store, string? job = null)
    {
        var sets = new List<BackupSetInfo>();
        await foreach (var set in store.ListSetsAsync(job, CancellationToken.None))
        {
            sets.Add(set);
        }

        return sets;
    }

    /// <summary>Files of a directory by name, hidden ones included.</summary>
    public static List<string> FileNames(string directory) =>
        [.. Directory.EnumerateFileSystemEntries(directory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];
}

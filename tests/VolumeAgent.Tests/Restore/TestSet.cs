using System.IO.Compression;
using System.Security.Cryptography;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Storage;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Restore;

/// <summary>Writes a complete set into a local store as a run would: artifacts with their manifest facts, SHA256SUMS, manifest last.</summary>
internal sealed class TestSet
{
    private readonly List<(string File, byte[] Stored, ManifestArtifact Artifact)> _artifacts = [];

    public TestSet Tar(string name, byte[] tar, bool gzip = true)
    {
        using var parser = new TarStreamParser();
        parser.Feed(tar);
        parser.Complete();
        var stored = gzip ? Gzip(tar) : tar;
        var digest = TarTreeDigest.Compute(parser.Entries);
        return Add(name + ".tar" + (gzip ? ".gz" : string.Empty), stored, tar.Length, VolumeKind.Volume, ArchiveKind.Tar, gzip)
            .Edit(a => a with { TreeDigest = digest, Entries = parser.Entries.Count });
    }

    public TestSet Dump(string name, byte[] raw, ManifestSourceKind kind, ManifestArtifactFormat format, string? database = null) =>
        Add(name, Gzip(raw), raw.Length, kind, format, gzip: true, database);

    /// <summary>Replaces the last artifact's manifest entry (to make it say something else than its file).</summary>
    public TestSet Edit(Func<ManifestArtifact, ManifestArtifact> edit)
    {
        var (file, stored, artifact) = _artifacts[^1];
        _artifacts[^1] = (file, stored, edit(artifact));
        return this;
    }

    public async Task<StoredSet> WriteAsync(LocalDirectoryStore store, string job = "nightly")
    {
        var runId = RunId.New();
        await using (var writer = await store.BeginSetAsync(job, ManifestSamples.Started, runId, CancellationToken.None))
        {
            foreach (var (file, stored, artifact) in _artifacts)
            {
                await using var output = await writer.CreateArtifactAsync(file, CancellationToken.None);
                await output.Stream.WriteAsync(stored);
                await output.CommitAsync(StoreTestSupport.Sha256Hex(stored), CancellationToken.None);
            }

            await writer.CompleteAsync(ManifestSamples.Manifest(job, runId, ManifestSamples.Started, [.. _artifacts.Select(a => a.Artifact)]), CancellationToken.None);
        }

        var set = (await StoreTestSupport.ListAsync(store, job)).Single(s => s.RunId == runId);
        return new StoredSet("local", store, set);
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(raw);
        }

        return output.ToArray();
    }

    private TestSet Add(string file, byte[] stored, long raw, ManifestSourceKind kind, ManifestArtifactFormat format, bool gzip, string? database = null)
    {
        var artifact = ManifestSamples.Artifact(file, Convert.ToHexStringLower(SHA256.HashData(stored)), stored.Length) with
        {
            SourceKind = kind,
            SourceName = "source",
            Format = format,
            Database = database,
            Compression = gzip ? ManifestCompression.Gzip : ManifestCompression.None,
            RawBytes = raw,
        };
        _artifacts.Add((file, stored, artifact));
        return this;
    }
}

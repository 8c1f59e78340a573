using System.Buffers;
using System.Globalization;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>A tar archive read to its end: complete, with safe entry names, its entries counted and its tree digested.</summary>
internal sealed class ArchiveVerifier : IArtifactVerifier
{
    private const int BufferSize = 128 * 1024;

    public async Task<ArtifactContentFacts> ReadContentAsync(ManifestArtifact artifact, Stream content, List<string> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var guard = new EntryNameGuard();
        using var parser = new TarStreamParser { EntryStarting = guard.Check };
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                parser.Feed(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        parser.Complete();
        return new ArtifactContentFacts(parser.Entries, TarTreeDigest.Compute(parser.Entries));
    }

    public string Describe(ArtifactScan scan)
    {
        ArgumentNullException.ThrowIfNull(scan);
        return $"SHA-256 matches; complete archive of {scan.EntryCount?.ToString(CultureInfo.InvariantCulture) ?? scan.Artifact.Entries?.ToString(CultureInfo.InvariantCulture) ?? "?"} entries, tree digest matches";
    }
}

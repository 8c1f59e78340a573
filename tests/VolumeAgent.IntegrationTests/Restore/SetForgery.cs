using System.IO.Compression;
using System.Security.Cryptography;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Storage;

namespace VolumeAgent.IntegrationTests.Restore;

/// <summary>
/// Changes a stored artifact the way a careful forger (or a bug upstream of the checksums) would: the file, its
/// line in SHA256SUMS and its manifest entry all agree afterwards, so only a look at the content can tell.
/// </summary>
internal static class SetForgery
{
    public static async Task ReplaceAsync(string setDirectory, string file, byte[] stored, long rawBytes, CancellationToken cancellationToken, string? treeDigest = null, long? entries = null)
    {
        await File.WriteAllBytesAsync(Path.Combine(setDirectory, file), stored, cancellationToken);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stored));
        var sums = Path.Combine(setDirectory, BackupSetLayout.ChecksumsFileName);
        var lines = (await File.ReadAllLinesAsync(sums, cancellationToken))
            .Select(line => line.EndsWith("  " + file, StringComparison.Ordinal) ? $"{sha}  {file}" : line);
        await File.WriteAllLinesAsync(sums, lines, cancellationToken);
        var manifestPath = Path.Combine(setDirectory, BackupSetLayout.ManifestFileName);
        var manifest = ManifestSerializer.Deserialize(await File.ReadAllBytesAsync(manifestPath, cancellationToken));
        manifest = manifest with
        {
            Artifacts = [.. manifest.Artifacts.Select(a => a.File != file ? a : a with
            {
                Sha256 = sha,
                StoredBytes = stored.Length,
                RawBytes = rawBytes,
                TreeDigest = treeDigest ?? a.TreeDigest,
                Entries = entries ?? a.Entries,
            })],
        };
        await File.WriteAllBytesAsync(manifestPath, ManifestSerializer.SerializeToUtf8Bytes(manifest), cancellationToken);
    }

    /// <summary>Flips one bit in the middle of a stored file, leaving SHA256SUMS and the manifest as they were.</summary>
    public static async Task FlipByteAsync(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
    }

    public static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
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

    /// <summary>The tree digest and entry count the agent would record for <paramref name="tar"/>.</summary>
    public static (string Digest, long Entries) Describe(byte[] tar)
    {
        using var parser = new TarStreamParser();
        parser.Feed(tar);
        parser.Complete();
        var digest = TarTreeDigest.Compute(parser.Entries);
        return (digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest : "sha256:" + digest, parser.Entries.Count);
    }
}

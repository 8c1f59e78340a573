using System.Buffers;
using VolumeAgent.Crypto;
using VolumeAgent.Crypto.Age;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Pipeline;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Pipeline.Zstd;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Restore.Verification;

/// <summary>
/// Reads a stored artifact once, start to end, without writing anything anywhere: its SHA-256 against the
/// manifest and SHA256SUMS, its sizes against the manifest, its compression to a clean end, and its content
/// by format (a tar archive complete, with safe entry names and the manifest's tree digest; a dump with its
/// header and trailer). Every problem found is reported, naming the file.
/// </summary>
internal static class ArtifactScanner
{
    public const string TreeDigestPrefix = TarTreeDigest.Prefix;

    public static Task<ArtifactScan> ScanAsync(
        IBackupStore store,
        BackupSetInfo set,
        ManifestArtifact artifact,
        ChecksumsFile checksums,
        IDumpCheck? check,
        bool keepEntries,
        CancellationToken cancellationToken) =>
        ScanAsync(store, set, artifact, checksums, check, keepEntries, keys: null, cancellationToken);

    /// <param name="check">An extra check fed the uncompressed content as it passes (pg_restore --list); may be null.</param>
    /// <param name="keepEntries">Keep the archive's entries in the result, for comparing a restored tree with it.</param>
    /// <param name="keys">Decrypts an age-encrypted artifact; without them its stored bytes are checked and its content is not.</param>
    public static async Task<ArtifactScan> ScanAsync(
        IBackupStore store,
        BackupSetInfo set,
        ManifestArtifact artifact,
        ChecksumsFile checksums,
        IDumpCheck? check,
        bool keepEntries,
        DecryptionKeys? keys,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(checksums);
        var file = artifact.File ?? throw new ArgumentException("The artifact has no file.", nameof(artifact));
        var problems = new List<string>();
        if (!BackupSetLayout.IsValidArtifactName(file))
        {
            problems.Add($"The manifest names an artifact '{file}', which no run writes (not a valid artifact file name): the manifest was changed after the run. Nothing is read under that name.");
            return new ArtifactScan { Artifact = artifact, Problems = problems };
        }

        var listed = checksums.HashOf(file);
        if (listed is null)
        {
            problems.Add($"{file} is not listed in {BackupSetLayout.ChecksumsFileName}.");
        }

        Stream stored;
        try
        {
            stored = await store.OpenArtifactReadAsync(set, file, cancellationToken);
        }
        catch (FileNotFoundException)
        {
            problems.Add($"{file} is missing from the set.");
            return new ArtifactScan { Artifact = artifact, Problems = problems };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{file} cannot be read: {e.Message}");
            return new ArtifactScan { Artifact = artifact, Problems = problems };
        }

        var content = new List<string>();
        await using var hashing = new HashingReadStream(stored);
        long raw = 0;
        var facts = ArtifactContentFacts.None;
        var notChecked = artifact.Encryption is not null && keys is null
            ? $"SHA-256 matches {BackupSetLayout.ChecksumsFileName} and the manifest; the content was not checked: {ArtifactDecryption.NeedsKeys(file)}"
            : null;
        HashingReadStream? plain = null;
        try
        {
            if (notChecked is not null)
            {
                await ContentReader.DrainAsync(hashing, cancellationToken);
            }
            else
            {
                if (artifact.Encryption is not null)
                {
                    plain = new HashingReadStream(await ArtifactDecryption.OpenAsync(hashing, artifact, keys, cancellationToken));
                }

                if (check is not null)
                {
                    await check.StartAsync(cancellationToken);
                }

                await using var decompressed = new CountingReadStream(
                    Compressors.OpenRead(ManifestCompressions.ToKind(artifact.Compression), (Stream?)plain ?? hashing, leaveOpen: true));
                var source = check is null ? decompressed : check.Wrap(decompressed);
                facts = await ReadContentAsync(artifact, source, content, cancellationToken);
                raw = decompressed.BytesRead;
                if (check is not null && content.Count == 0)
                {
                    await check.VerifyAsync(file, cancellationToken);
                }

                if (plain is not null && await plain.FinishAsync(cancellationToken) is var plainSha
                    && !string.Equals(plainSha, artifact.PlaintextSha256, StringComparison.OrdinalIgnoreCase))
                {
                    content.Add($"it decrypts to bytes whose SHA-256 is {plainSha}, but the manifest says {artifact.PlaintextSha256}.");
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnsafeEntryException or ArtifactFailedException or CompressionUnavailableException)
        {
            content.Add(ex switch
            {
                ArtifactDecryptionException => ex.Message.StartsWith(file, StringComparison.Ordinal) ? ex.Message[file.Length..].TrimStart() : ex.Message,
                AgeFormatException => $"its age encryption does not check out: {ex.Message}",
                TarFormatException or UnsafeEntryException or ArtifactFailedException => ex.Message,
                CompressionUnavailableException => $"it cannot be decompressed here: {ex.Message}",
                InvalidDataException or ZstdException or EndOfStreamException =>
                    $"its {artifact.Compression.ToString().ToLowerInvariant()} stream is corrupt or cut off: {ex.Message}",
                _ => $"it cannot be read: {ex.Message}",
            });
        }
        finally
        {
            if (check is not null)
            {
                await check.DisposeAsync();
            }

            if (plain is not null)
            {
                await plain.DisposeAsync();
            }
        }

        var sha = await hashing.FinishAsync(cancellationToken);

        // The checksum comes first: when it differs, everything else found is its consequence.
        if (artifact.Sha256 is { } expected && !string.Equals(sha, expected, StringComparison.OrdinalIgnoreCase))
        {
            problems.Insert(0, $"{file}: SHA-256 is {sha}, but the manifest says {expected}; the file was changed or damaged after the backup.");
        }
        else if (listed is not null && !string.Equals(sha, listed, StringComparison.Ordinal))
        {
            problems.Insert(0, artifact.Sha256 is null
                ? $"{file}: SHA-256 is {sha}, but {BackupSetLayout.ChecksumsFileName} says {listed}."
                : $"{file}: {BackupSetLayout.ChecksumsFileName} says {listed}, but the manifest and the file say {sha}; {BackupSetLayout.ChecksumsFileName} was changed.");
        }

        if (hashing.BytesRead != artifact.StoredBytes)
        {
            problems.Add($"{file} is {hashing.BytesRead} bytes, but the manifest says {artifact.StoredBytes}.");
        }

        foreach (var problem in content)
        {
            problems.Add($"{file}: {problem}");
        }

        if (content.Count == 0 && notChecked is null && raw != artifact.RawBytes)
        {
            problems.Add($"{file} decompresses to {raw} bytes, but the manifest says {artifact.RawBytes}.");
        }

        if (facts.TreeDigest is { } digest)
        {
            if (artifact.TreeDigest is { } recorded && !string.Equals(Bare(recorded), Bare(digest), StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{file}: the archive's tree digest is {digest}, but the manifest says {recorded}; the archive does not hold the tree that was backed up.");
            }

            if (artifact.Entries is { } entries && facts.Entries is { } count && entries != count.Count)
            {
                problems.Add($"{file} holds {count.Count} entries, but the manifest says {entries}.");
            }
        }

        return new ArtifactScan
        {
            Artifact = artifact,
            Problems = problems,
            Sha256 = sha,
            StoredBytes = hashing.BytesRead,
            RawBytes = raw,
            EntryCount = facts.Entries?.Count,
            Entries = keepEntries ? facts.Entries : null,
            TreeDigest = facts.TreeDigest,
            ContentNotChecked = notChecked,
        };
    }

    /// <summary>A tree digest without its algorithm prefix.</summary>
    public static string Bare(string digest) =>
        digest.StartsWith(TreeDigestPrefix, StringComparison.OrdinalIgnoreCase) ? digest[TreeDigestPrefix.Length..] : digest;

    private static async Task<ArtifactContentFacts> ReadContentAsync(
        ManifestArtifact artifact, Stream source, List<string> problems, CancellationToken cancellationToken)
    {
        if (SourceKinds.Of(artifact.SourceKind) is { } kind)
        {
            return await kind.Verifier.ReadContentAsync(artifact, source, problems, cancellationToken);
        }

        await ContentReader.DrainAsync(source, cancellationToken);
        problems.Add($"its source kind '{artifact.SourceKind}' is not one this agent knows, so its content is not checked; a newer agent wrote it.");
        return ArtifactContentFacts.None;
    }
}

using VolumeAgent.Crypto;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Pipeline;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore.Verification;

/// <summary>
/// A stored artifact opened for restoring: its uncompressed content to read, hashed on the way, so that the
/// end of the restore proves the bytes used were the bytes checked before (<see cref="EnsureIntactAsync"/>).
/// </summary>
internal sealed class VerifiedArtifactStream : IAsyncDisposable
{
    private readonly HashingReadStream _stored;
    private readonly ManifestArtifact _artifact;
    private readonly Stream? _decrypted;

    private VerifiedArtifactStream(HashingReadStream stored, Stream? decrypted, Stream content, ManifestArtifact artifact)
    {
        _stored = stored;
        _decrypted = decrypted;
        Content = content;
        _artifact = artifact;
    }

    public Stream Content { get; }

    public string File => _artifact.File!;

    /// <param name="keys">Decrypts an age-encrypted artifact; without them such an artifact is refused, naming --identity.</param>
    public static async Task<VerifiedArtifactStream> OpenAsync(
        IBackupStore store, BackupSetInfo set, ManifestArtifact artifact, DecryptionKeys? keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(artifact);
        var stored = new HashingReadStream(await store.OpenArtifactReadAsync(set, artifact.File!, cancellationToken));
        Stream? decrypted = null;
        try
        {
            if (artifact.Encryption is not null)
            {
                decrypted = await ArtifactDecryption.OpenAsync(stored, artifact, keys, cancellationToken);
            }

            var content = Compressors.OpenRead(ManifestCompressions.ToKind(artifact.Compression), decrypted ?? stored, leaveOpen: true);
            return new VerifiedArtifactStream(stored, decrypted, content, artifact);
        }
        catch
        {
            if (decrypted is not null)
            {
                await decrypted.DisposeAsync();
            }

            await stored.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads what is left of the stored file and throws when its hash is not the manifest's.</summary>
    public async Task EnsureIntactAsync(CancellationToken cancellationToken)
    {
        var sha = await _stored.FinishAsync(cancellationToken);
        if (!string.Equals(sha, _artifact.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new RestoreFailedException(
                $"{File} changed while it was being restored: its SHA-256 is now {sha}, not the {_artifact.Sha256} checked before. What was restored from it cannot be trusted; restore it again from a sound copy.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Content.DisposeAsync();
        if (_decrypted is not null)
        {
            await _decrypted.DisposeAsync();
        }

        await _stored.DisposeAsync();
    }
}

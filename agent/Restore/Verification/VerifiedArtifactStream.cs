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

    private VerifiedArtifactStream(HashingReadStream stored, Stream content, ManifestArtifact artifact)
    {
        _stored = stored;
        Content = content;
        _artifact = artifact;
    }

    public Stream Content { get; }

    public string File => _artifact.File!;

    public static async Task<VerifiedArtifactStream> OpenAsync(IBackupStore store, BackupSetInfo set, ManifestArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(artifact);
        var stored = new HashingReadStream(await store.OpenArtifactReadAsync(set, artifact.File!, cancellationToken));
        try
        {
            var content = Compressors.OpenRead(ManifestCompressions.ToKind(artifact.Compression), stored, leaveOpen: true);
            return new VerifiedArtifactStream(stored, content, artifact);
        }
        catch
        {
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
        await _stored.DisposeAsync();
    }
}

using VolumeAgent.Crypto.Age;
using VolumeAgent.Manifest;

namespace VolumeAgent.Crypto;

/// <summary>Opens the plaintext of an age-encrypted artifact for restore and verify, with messages that name the file and what to pass.</summary>
internal static class ArtifactDecryption
{
    /// <summary>
    /// The decrypted bytes of <paramref name="stored"/> (left open); throws <see cref="ArtifactDecryptionException"/>
    /// naming the artifact when there are no keys, none fits, or the file is not a sound age file.
    /// </summary>
    public static async Task<Stream> OpenAsync(Stream stored, ManifestArtifact artifact, DecryptionKeys? keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(artifact);
        var file = artifact.File ?? artifact.SourceName;
        if (keys is null)
        {
            throw new ArtifactDecryptionException(NeedsKeys(file));
        }

        try
        {
            return await AgeDecryptingStream.OpenAsync(stored, keys.Identities, cancellationToken, leaveOpen: true);
        }
        catch (AgeNoIdentityException ex)
        {
            throw new ArtifactDecryptionException(
                $"{file} cannot be decrypted with the {keys}: {ex.Message}. Pass --identity with the age-keygen file of a recipient the job encrypts to (or --passphrase-file with the job's passphrase).",
                ex);
        }
        catch (AgeFormatException ex)
        {
            throw new ArtifactDecryptionException($"{file} is not a sound age file: {ex.Message}", ex);
        }
    }

    /// <summary>What a command says when an encrypted artifact must be read and no key was given.</summary>
    public static string NeedsKeys(string file) =>
        $"{file} is age-encrypted: pass --identity FILE (the age-keygen file of a recipient the job encrypts to), or --passphrase-file FILE when the job encrypts to a passphrase";
}

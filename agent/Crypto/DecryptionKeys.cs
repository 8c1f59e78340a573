using VolumeAgent.Crypto.Age;

namespace VolumeAgent.Crypto;

/// <summary>
/// What <c>restore</c> and <c>verify</c> decrypt with: the identities of an <c>--identity FILE</c> (age-keygen
/// format) and, or, a passphrase from <c>--passphrase-file FILE</c>. Never printed.
/// </summary>
internal sealed class DecryptionKeys
{
    private DecryptionKeys(IReadOnlyList<IAgeIdentity> identities, string source)
    {
        Identities = identities;
        Source = source;
    }

    public IReadOnlyList<IAgeIdentity> Identities { get; }

    /// <summary>The files the keys came from, for messages.</summary>
    public string Source { get; }

    /// <summary>Null when neither file is given; throws <see cref="DecryptionKeysException"/> naming the file that cannot be used.</summary>
    public static DecryptionKeys? Load(string? identityFile, string? passphraseFile)
    {
        var identities = new List<IAgeIdentity>();
        var sources = new List<string>();
        if (identityFile is not null)
        {
            try
            {
                identities.AddRange(AgeIdentityFile.Read(identityFile));
                sources.Add(identityFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new DecryptionKeysException($"--identity {identityFile} cannot be used: {ex.Message}", ex);
            }
        }

        if (passphraseFile is not null)
        {
            try
            {
                var passphrase = File.ReadAllText(passphraseFile).TrimEnd('\n').TrimEnd('\r');
                identities.Add(passphrase.Length > 0
                    ? new ScryptRecipient(passphrase)
                    : throw new FormatException("the file is empty"));
                sources.Add(passphraseFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                throw new DecryptionKeysException($"--passphrase-file {passphraseFile} cannot be used: {ex.Message}", ex);
            }
        }

        return identities.Count == 0 ? null : new DecryptionKeys(identities, string.Join(" and ", sources));
    }

    public static DecryptionKeys Of(IReadOnlyList<IAgeIdentity> identities, string source) => new(identities, source);

    public override string ToString() => $"keys from {Source}";
}

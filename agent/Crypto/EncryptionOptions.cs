using VolumeAgent.Crypto.Age;
using VolumeAgent.Policy;

namespace VolumeAgent.Crypto;

/// <summary>
/// A job's <c>encryption</c>: every artifact is stored as an age file to these recipients (public keys only; the
/// agent holds no private key), or to a passphrase alone (the age format allows a passphrase only as a file's
/// sole recipient).
/// </summary>
internal sealed record EncryptionOptions
{
    public IReadOnlyList<X25519Recipient> Recipients { get; init; } = [];

    public Secret? Passphrase { get; init; }

    /// <summary>The scrypt work factor (log2 N) for a passphrase; age's own default.</summary>
    public int PassphraseWorkFactor { get; init; } = ScryptRecipient.DefaultWorkFactor;

    /// <summary>One line for <c>validate</c> and logs: how many recipients, never a key.</summary>
    public string Describe() => Passphrase is not null
        ? "age, to a passphrase"
        : $"age, to {Recipients.Count} recipient(s)";

    public IReadOnlyList<IAgeRecipient> AgeRecipients() =>
        Passphrase is { } passphrase ? [new ScryptRecipient(passphrase.Reveal(), PassphraseWorkFactor)] : [.. Recipients];
}

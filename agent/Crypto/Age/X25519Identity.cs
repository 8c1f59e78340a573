using System.Security.Cryptography;
using BcX25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace VolumeAgent.Crypto.Age;

/// <summary>An <c>AGE-SECRET-KEY-1…</c> private key, as <c>age-keygen</c> writes it. Never printed: <see cref="ToString"/> names only its public key.</summary>
internal sealed class X25519Identity : IAgeIdentity
{
    public const string Hrp = "age-secret-key-";

    private readonly byte[] _secret;

    private X25519Identity(byte[] secret)
    {
        _secret = secret;
        var publicKey = new byte[BcX25519.PointSize];
        BcX25519.ScalarMultBase(secret, 0, publicKey, 0);
        Recipient = new X25519Recipient(publicKey);
    }

    public X25519Recipient Recipient { get; }

    public static X25519Identity Generate() => new(RandomNumberGenerator.GetBytes(BcX25519.ScalarSize));

    /// <summary>Reads an <c>AGE-SECRET-KEY-1…</c> key; throws <see cref="FormatException"/> without echoing the key.</summary>
    public static X25519Identity Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (hrp, data) = Bech32.Decode(text.Trim());
        if (hrp != Hrp)
        {
            throw new FormatException("it is not an age X25519 secret key (AGE-SECRET-KEY-1…)");
        }

        return data.Length == BcX25519.ScalarSize
            ? new X25519Identity(data)
            : throw new FormatException($"it holds {data.Length} bytes, not the {BcX25519.ScalarSize} of an X25519 key");
    }

    /// <summary>The key as age-keygen writes it: for tests and key files only, never for logs.</summary>
    public string Encode() => Bech32.Encode(Hrp.ToUpperInvariant(), _secret);

    public byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas)
    {
        ArgumentNullException.ThrowIfNull(stanzas);
        foreach (var stanza in stanzas.Where(s => s.Type == X25519Recipient.StanzaType))
        {
            var share = stanza.Arguments.Count == 1 ? AgeBase64.TryDecode(stanza.Arguments[0]) : null;
            if (share is not { Length: BcX25519.PointSize })
            {
                throw new AgeFormatException("An X25519 stanza of the header is malformed (its argument is not one 32-byte base64 share).");
            }

            if (stanza.Body.Length != AgePrimitives.FileKeySize + AgePrimitives.TagSize)
            {
                throw new AgeFormatException("An X25519 stanza of the header has a body of the wrong length.");
            }

            var shared = new byte[BcX25519.PointSize];
            if (!BcX25519.CalculateAgreement(_secret, 0, share, 0, shared, 0))
            {
                throw new AgeFormatException("An X25519 stanza of the header holds a low-order share.");
            }

            var wrapKey = AgePrimitives.Hkdf(shared, [.. share, .. Recipient.PublicKeyBytes()], X25519Recipient.WrapInfo);
            CryptographicOperations.ZeroMemory(shared);
            if (AgePrimitives.Open(wrapKey, stanza.Body.Span) is { } fileKey)
            {
                return fileKey;
            }
        }

        return null;
    }

    public override string ToString() => $"identity of {Recipient.Encoded}";
}

using System.Security.Cryptography;
using BcX25519 = Org.BouncyCastle.Math.EC.Rfc7748.X25519;

namespace VolumeAgent.Crypto.Age;

/// <summary>An <c>age1…</c> public key: the file key is wrapped to it through an ephemeral X25519 agreement (BouncyCastle's X25519).</summary>
internal sealed class X25519Recipient : IAgeRecipient
{
    public const string Hrp = "age";
    public const string StanzaType = "X25519";
    public const string WrapInfo = "age-encryption.org/v1/X25519";

    private readonly byte[] _publicKey;

    public X25519Recipient(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != BcX25519.PointSize)
        {
            throw new ArgumentException($"An X25519 public key is {BcX25519.PointSize} bytes.", nameof(publicKey));
        }

        _publicKey = publicKey.ToArray();
    }

    /// <summary>The key as <c>age-keygen</c> prints it (public, safe to show).</summary>
    public string Encoded => Bech32.Encode(Hrp, _publicKey);

    /// <summary>Reads an <c>age1…</c> key; throws <see cref="FormatException"/> saying what is wrong with it.</summary>
    public static X25519Recipient Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (hrp, data) = Bech32.Decode(text.Trim());
        if (hrp != Hrp)
        {
            throw new FormatException($"it is not an age X25519 recipient (it starts '{hrp}1', not 'age1')");
        }

        return data.Length == BcX25519.PointSize
            ? new X25519Recipient(data)
            : throw new FormatException($"it holds {data.Length} bytes, not the {BcX25519.PointSize} of an X25519 key");
    }

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var ephemeral = RandomNumberGenerator.GetBytes(BcX25519.ScalarSize);
        try
        {
            var share = new byte[BcX25519.PointSize];
            BcX25519.ScalarMultBase(ephemeral, 0, share, 0);
            var shared = new byte[BcX25519.PointSize];
            if (!BcX25519.CalculateAgreement(ephemeral, 0, _publicKey, 0, shared, 0))
            {
                throw new CryptographicException("The recipient's X25519 key is a low-order point; it cannot be encrypted to.");
            }

            var wrapKey = AgePrimitives.Hkdf(shared, [.. share, .. _publicKey], WrapInfo);
            CryptographicOperations.ZeroMemory(shared);
            return new AgeStanza(StanzaType, [AgeBase64.Encode(share)], AgePrimitives.Seal(wrapKey, fileKey));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ephemeral);
        }
    }

    public byte[] PublicKeyBytes() => (byte[])_publicKey.Clone();

    public override string ToString() => Encoded;
}

using System.Security.Cryptography;
using System.Text;

namespace VolumeAgent.Crypto.Age;

/// <summary>The format's uses of .NET's HKDF-SHA-256, HMAC-SHA-256 and ChaCha20-Poly1305; no primitive is implemented here.</summary>
internal static class AgePrimitives
{
    public const int FileKeySize = 16;
    public const int KeySize = 32;
    public const int TagSize = 16;
    public const string Intro = "age-encryption.org/v1";

    private static readonly byte[] ZeroNonce = new byte[12];

    public static byte[] Hkdf(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, string info)
    {
        var key = new byte[KeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, key, salt, Encoding.ASCII.GetBytes(info));
        return key;
    }

    /// <summary>ChaCha20-Poly1305 with the all-zero nonce: the wrapping of a file key under a one-use key.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext)
    {
        using var aead = new ChaCha20Poly1305(key);
        var output = new byte[plaintext.Length + TagSize];
        aead.Encrypt(ZeroNonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
        return output;
    }

    /// <summary>The opened body, or null when it does not authenticate under <paramref name="key"/>.</summary>
    public static byte[]? Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBody)
    {
        if (sealedBody.Length < TagSize)
        {
            return null;
        }

        using var aead = new ChaCha20Poly1305(key);
        var output = new byte[sealedBody.Length - TagSize];
        try
        {
            aead.Decrypt(ZeroNonce, sealedBody[..^TagSize], sealedBody[^TagSize..], output);
            return output;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    public static byte[] HeaderMac(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> headerUpToDashes)
    {
        var key = Hkdf(fileKey, [], "header");
        return HMACSHA256.HashData(key, headerUpToDashes);
    }
}

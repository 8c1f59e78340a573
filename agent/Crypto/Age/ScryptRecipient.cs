using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using BcScrypt = Org.BouncyCastle.Crypto.Generators.SCrypt;

namespace VolumeAgent.Crypto.Age;

/// <summary>
/// A passphrase, as recipient (encrypting) and identity (decrypting): the file key wrapped under a key that
/// BouncyCastle's scrypt derives from it. An scrypt stanza must be a header's only stanza.
/// </summary>
internal sealed class ScryptRecipient : IAgeRecipient, IAgeIdentity
{
    public const string StanzaType = "scrypt";
    public const int DefaultWorkFactor = 18;

    /// <summary>The highest log2(N) read (age's own limit): 2^22 × 1 KiB of memory and a few seconds.</summary>
    public const int MaxWorkFactor = 22;

    private const string Label = "age-encryption.org/v1/scrypt";
    private const int SaltSize = 16;
    private readonly byte[] _passphrase;
    private readonly int _workFactor;

    public ScryptRecipient(string passphrase, int workFactor = DefaultWorkFactor)
    {
        ArgumentException.ThrowIfNullOrEmpty(passphrase);
        ArgumentOutOfRangeException.ThrowIfLessThan(workFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(workFactor, MaxWorkFactor);
        _passphrase = Encoding.UTF8.GetBytes(passphrase);
        _workFactor = workFactor;
    }

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var key = Derive(salt, _workFactor);
        return new AgeStanza(StanzaType, [AgeBase64.Encode(salt), _workFactor.ToString(CultureInfo.InvariantCulture)], AgePrimitives.Seal(key, fileKey));
    }

    public byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas)
    {
        ArgumentNullException.ThrowIfNull(stanzas);
        var stanza = stanzas.FirstOrDefault(s => s.Type == StanzaType);
        if (stanza is null)
        {
            return null;
        }

        if (stanzas.Count != 1)
        {
            throw new AgeFormatException("The header has an scrypt (passphrase) stanza beside other stanzas, which the age format forbids.");
        }

        var salt = stanza.Arguments.Count == 2 ? AgeBase64.TryDecode(stanza.Arguments[0]) : null;
        if (salt is not { Length: SaltSize } || !IsDecimal(stanza.Arguments[1]))
        {
            throw new AgeFormatException("The scrypt stanza of the header is malformed (it needs a 16-byte base64 salt and a work factor).");
        }

        if (!int.TryParse(stanza.Arguments[1], NumberStyles.None, CultureInfo.InvariantCulture, out var workFactor) || workFactor > MaxWorkFactor)
        {
            throw new AgeFormatException($"The scrypt work factor {stanza.Arguments[1]} is above {MaxWorkFactor}, the highest this agent reads.");
        }

        if (stanza.Body.Length != AgePrimitives.FileKeySize + AgePrimitives.TagSize)
        {
            throw new AgeFormatException("The scrypt stanza of the header has a body of the wrong length.");
        }

        return AgePrimitives.Open(Derive(salt, workFactor), stanza.Body.Span);
    }

    public override string ToString() => "passphrase";

    private byte[] Derive(byte[] salt, int workFactor) =>
        BcScrypt.Generate(_passphrase, [.. Encoding.ASCII.GetBytes(Label), .. salt], 1 << workFactor, 8, 1, AgePrimitives.KeySize);

    private static bool IsDecimal(string text) => text.Length is > 0 and < 3 && text[0] is >= '1' and <= '9' && text.All(char.IsAsciiDigit);
}

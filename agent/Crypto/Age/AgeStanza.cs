namespace VolumeAgent.Crypto.Age;

/// <summary>One recipient stanza of a header: <c>-&gt; TYPE ARGS…</c> and its body (the wrapped file key).</summary>
internal sealed record AgeStanza(string Type, IReadOnlyList<string> Arguments, ReadOnlyMemory<byte> Body);

/// <summary>What encrypts the file key for one reader.</summary>
internal interface IAgeRecipient
{
    AgeStanza Wrap(ReadOnlySpan<byte> fileKey);
}

/// <summary>What decrypts the file key from the stanzas addressed to it.</summary>
internal interface IAgeIdentity
{
    /// <summary>The file key, or null when no stanza is addressed to this identity; throws <see cref="AgeFormatException"/> on a malformed stanza of its type.</summary>
    byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas);
}

using VolumeAgent.Crypto.Age;

namespace VolumeAgent.Crypto;

/// <summary>How a run encrypts its artifacts: an age file per artifact, named with <see cref="FileExtension"/> after the compression's suffix.</summary>
internal sealed class ArtifactEncryption
{
    public const string FileExtension = ".age";

    private readonly IReadOnlyList<IAgeRecipient> _recipients;

    public ArtifactEncryption(EncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _recipients = options.AgeRecipients();
        Description = options.Describe();
    }

    /// <summary>What the run logs: the format and the number of recipients, never a key.</summary>
    public string Description { get; }

    /// <summary>A write stream that stores what is written to it as an age file in <paramref name="output"/>.</summary>
    public AgeEncryptingStream Open(Stream output) => new(output, _recipients, leaveOpen: true);

    /// <summary>Whether a stored file name is an encrypted artifact's.</summary>
    public static bool IsEncryptedName(string fileName) =>
        fileName?.EndsWith(FileExtension, StringComparison.Ordinal) ?? throw new ArgumentNullException(nameof(fileName));
}

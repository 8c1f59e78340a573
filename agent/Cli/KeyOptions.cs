using System.CommandLine;
using VolumeAgent.Crypto;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>--identity FILE</c> and <c>--passphrase-file FILE</c>, shared by <c>restore</c> and <c>verify</c>: what decrypts a
/// job's age-encrypted artifacts. Keys are only ever named by their file, never passed on the command line.
/// </summary>
internal sealed class KeyOptions
{
    private readonly Option<string?> _identity = new("--identity", "-i")
    {
        Description = "An age identity file (age-keygen format) to decrypt age-encrypted artifacts with.",
    };

    private readonly Option<string?> _passphraseFile = new("--passphrase-file")
    {
        Description = "A file holding the passphrase of a job that encrypts to a passphrase.",
    };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(_identity);
        command.Options.Add(_passphraseFile);
    }

    /// <summary>The keys the command line names, or null; a file that cannot be used is a usage error naming it.</summary>
    public DecryptionKeys? Load(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return DecryptionKeys.Load(parse.GetValue(_identity), parse.GetValue(_passphraseFile));
        }
        catch (DecryptionKeysException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
    }
}

using System.Security;
using VolumeAgent.Crypto.Age;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Crypto;

/// <summary>Reads a job's <c>encryption</c> map: <c>recipients</c>, <c>recipients_file</c>, <c>passphrase_file</c>.</summary>
internal static class EncryptionReader
{
    public const string Key = "encryption";

    public static readonly IReadOnlyList<string> Keys = ["recipients", "recipients_file", "passphrase_file"];

    public static EncryptionOptions? Read(NodeReader reader, MapNode job)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(job);
        var map = reader.Map(job, Key);
        if (map is null)
        {
            return null;
        }

        reader.RejectUnknownKeys(map, Keys);
        var recipients = new List<X25519Recipient>();
        var listed = reader.TextList(map, "recipients", "[age1…]", text => Check(text, recipients));
        var file = reader.AbsolutePath(map, "recipients_file");
        if (file is not null)
        {
            ReadRecipientsFile(reader, map, file, recipients);
        }

        var passphrase = reader.Secret(map, "passphrase");
        if (passphrase is not null && (listed is not null || file is not null))
        {
            reader.Report(NodeReader.ValueMark(map, "passphrase_file"), map.PathOf("passphrase_file"),
                "cannot be combined with recipients: age allows a passphrase only as a file's sole recipient; use recipients (age-keygen keys) or the passphrase alone");
            return null;
        }

        if (passphrase is null && recipients.Count == 0 && !Keys.Any(map.Has))
        {
            reader.Report(NodeReader.ValueMark(job, Key), map.Path, "names no recipient: set recipients: [age1…] (age-keygen prints the public key), recipients_file or passphrase_file");
            return null;
        }

        return new EncryptionOptions { Recipients = recipients, Passphrase = passphrase };
    }

    /// <summary>Null when <paramref name="text"/> is an age1 recipient (added to <paramref name="into"/>), else the problem; never echoes a secret key.</summary>
    private static string? Check(string text, List<X25519Recipient> into)
    {
        if (text.StartsWith("AGE-SECRET-KEY-", StringComparison.OrdinalIgnoreCase))
        {
            return "is a secret key: list the public key (age1…, as `age-keygen -y KEYFILE` prints it) and keep the secret key off this host";
        }

        try
        {
            into.Add(X25519Recipient.Parse(text));
            return null;
        }
        catch (FormatException ex)
        {
            return $"'{text}' is not an age X25519 recipient (age1…): {ex.Message}";
        }
    }

    private static void ReadRecipientsFile(NodeReader reader, MapNode map, string path, List<X25519Recipient> into)
    {
        string content;
        try
        {
            content = reader.Environment.ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SecurityException or NotSupportedException or ArgumentException)
        {
            reader.Report(NodeReader.ValueMark(map, "recipients_file"), map.PathOf("recipients_file"), $"cannot read the recipients from '{path}': {e.Message}");
            return;
        }

        var lines = content.Split('\n');
        var before = into.Count;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length > 0 && !line.StartsWith('#') && Check(line, into) is { } problem)
            {
                reader.Report(NodeReader.ValueMark(map, "recipients_file"), map.PathOf("recipients_file"), $"{path}, line {i + 1}: {problem}");
            }
        }

        if (into.Count == before)
        {
            reader.Report(NodeReader.ValueMark(map, "recipients_file"), map.PathOf("recipients_file"), $"'{path}' lists no age1… recipient");
        }
    }
}

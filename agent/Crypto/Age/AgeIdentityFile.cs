namespace VolumeAgent.Crypto.Age;

/// <summary>
/// An identity file as <c>age-keygen</c> writes it: <c>AGE-SECRET-KEY-1…</c> lines, with <c>#</c> comments and
/// blank lines. Messages name the file and the line number, never a key.
/// </summary>
internal static class AgeIdentityFile
{
    public static IReadOnlyList<X25519Identity> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var identities = new List<X25519Identity>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (!line.StartsWith("AGE-SECRET-KEY-1", StringComparison.Ordinal))
            {
                throw new FormatException($"{source}, line {i + 1}: not an age identity (age-keygen writes AGE-SECRET-KEY-1… lines; plugin and SSH keys are not read).");
            }

            try
            {
                identities.Add(X25519Identity.Parse(line));
            }
            catch (FormatException ex)
            {
                throw new FormatException($"{source}, line {i + 1}: the key cannot be read: {ex.Message}.", ex);
            }
        }

        return identities.Count > 0 ? identities : throw new FormatException($"{source} holds no age identity (AGE-SECRET-KEY-1… line).");
    }

    public static IReadOnlyList<X25519Identity> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }
}

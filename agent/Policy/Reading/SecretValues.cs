using System.Security;

namespace VolumeAgent.Policy.Reading;

/// <summary>Secrets given inline or in a file named by a <c>*_file</c> key.</summary>
internal static class SecretValues
{
    /// <summary>
    /// A secret given inline as <paramref name="key"/> or read from the file named by its <c>&lt;key&gt;_file</c> twin.
    /// Messages name the key and the file, never the value.
    /// </summary>
    public static Secret? Secret(this NodeReader reader, MapNode map, string key)
    {
        ArgumentNullException.ThrowIfNull(map);
        var fileKey = key + "_file";
        var inline = map.Find(key);
        var file = map.Find(fileKey);
        if (inline is not null && file is not null)
        {
            reader.Report(file.KeyNode.Start, map.PathOf(fileKey), $"set either '{key}' or '{fileKey}', not both");
            return null;
        }

        if (inline is not null)
        {
            var value = reader.Text(inline.Value, map.PathOf(key), required: true);
            return value is null ? null : new Secret(value);
        }

        if (file is null)
        {
            return null;
        }

        var path = reader.Text(file.Value, map.PathOf(fileKey), required: true);
        if (path is null)
        {
            return null;
        }

        if (!path.StartsWith('/'))
        {
            reader.Report(file.Value.Start, map.PathOf(fileKey), $"must be an absolute path (e.g. /run/secrets/{key}), got '{path}'");
            return null;
        }

        string content;
        try
        {
            content = reader.Environment.ReadFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SecurityException or NotSupportedException or ArgumentException)
        {
            reader.Report(file.Value.Start, map.PathOf(fileKey), $"cannot read the {key} from '{path}': {e.Message}{ReadHint(e)}");
            return null;
        }

        // Files written by `echo` or editors end in a newline that is not part of the secret.
        if (content.EndsWith("\r\n", StringComparison.Ordinal))
        {
            content = content[..^2];
        }
        else if (content.EndsWith('\n'))
        {
            content = content[..^1];
        }

        if (content.Length == 0)
        {
            reader.Report(file.Value.Start, map.PathOf(fileKey), $"the {key} file '{path}' is empty");
            return null;
        }

        return new Secret(content);
    }

    private static string ReadHint(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => " Create the file, or mount the secret at that path (e.g. a Docker secret under /run/secrets).",
        UnauthorizedAccessException => " Make it readable by the user the agent runs as.",
        _ => string.Empty,
    };
}

using System.Text;

namespace VolumeAgent.Sources;

internal static class ArtifactNames
{
    /// <summary>A name safe as one path segment on any filesystem and in S3 keys: letters, digits, '.', '_', '-'.</summary>
    public static string Sanitize(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        var result = builder.ToString().Trim('.');
        return result.Length == 0 ? "_" : result;
    }
}

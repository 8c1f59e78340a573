using System.Globalization;
using VolumeAgent.Manifest;

namespace VolumeAgent.Manifest.Sets;

/// <summary>
/// Names inside a store: <c>&lt;job&gt;/&lt;set&gt;/&lt;file&gt;</c>. A set is named
/// <c>yyyyMMddTHHmmssZ-&lt;run id&gt;</c>: UTC so names sort by time on any host, no colons so the name is
/// valid on every filesystem and as an S3 key. An agent running as a Swarm task writes its node's sets under
/// <c>&lt;job&gt;@&lt;node&gt;/</c> instead, so one storage holds every node's sets apart ('@' is in no job name).
/// </summary>
internal static class BackupSetLayout
{
    public const string ManifestFileName = "manifest.json";

    public const string ChecksumsFileName = "SHA256SUMS";

    /// <summary>Temporary files are hidden and end in .partial: never mistaken for artifacts, easy to sweep.</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>Beside a job's sets: points at the newest succeeded set (a symbolic link, or an object naming it).</summary>
    public const string LatestName = "latest";

    public const string TimestampFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Between a job and the Swarm node whose sets the directory holds: <c>&lt;job&gt;@&lt;node&gt;</c>.</summary>
    public const char NodeSeparator = '@';

    private static readonly int TimestampLength = "yyyyMMddTHHmmssZ".Length;

    public static string PartialNameFor(string fileName) => "." + fileName + PartialSuffix;

    /// <summary>Whether <paramref name="name"/> is a temporary file's name (<see cref="PartialNameFor"/>), which a sweep may remove.</summary>
    public static bool IsPartialName(string name) =>
        name.Length > PartialSuffix.Length && name.StartsWith('.') && name.EndsWith(PartialSuffix, StringComparison.Ordinal);

    public static string FormatSetName(DateTimeOffset startedAt, RunId runId) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{startedAt.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture)}-{runId}");

    public static bool TryParseSetName(string? name, out DateTimeOffset startedAt, out RunId runId)
    {
        startedAt = default;
        runId = default;
        if (name is null || name.Length != TimestampLength + 1 + RunId.Length || name[TimestampLength] != '-')
        {
            return false;
        }

        if (!DateTime.TryParseExact(
                name.AsSpan(0, TimestampLength),
                TimestampFormat,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out var time)
            || !RunId.TryParse(name.AsSpan(TimestampLength + 1), out runId))
        {
            return false;
        }

        startedAt = new DateTimeOffset(time, TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// Job names become directory names (and S3 key prefixes): a conservative alphabet keeps them
    /// portable and makes path traversal impossible. A Swarm node's directory of a job, <c>&lt;job&gt;@&lt;node&gt;</c>,
    /// is valid too.
    /// </summary>
    public static bool IsValidJobName(string? job)
    {
        if (job is null)
        {
            return false;
        }

        var at = job.IndexOf(NodeSeparator, StringComparison.Ordinal);
        return at < 0
            ? IsSafeName(job, maxLength: 100)
            : IsSafeName(job[..at], maxLength: 100) && IsSafeName(job[(at + 1)..], maxLength: 100);
    }

    /// <summary>The directory of a job's sets: the job itself on a single host, <c>&lt;job&gt;@&lt;node&gt;</c> for a Swarm node.</summary>
    public static string StorageJobName(string job, string? node) => node is null ? job : job + NodeSeparator + node;

    /// <summary>The job and the Swarm node (null: a single host's) of a job directory's name.</summary>
    public static (string Job, string? Node) SplitStorageJobName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var at = name.IndexOf(NodeSeparator, StringComparison.Ordinal);
        return at < 0 ? (name, null) : (name[..at], name[(at + 1)..]);
    }

    /// <summary>
    /// A node's host name as it goes into a job directory's name: letters, digits, '.', '_', '-' and '+' are kept, anything
    /// else becomes '-', and a name that does not start with a letter or digit gets an 'n' in front.
    /// </summary>
    public static string ToNodeName(string hostname)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        var chars = hostname.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' ? c : '-').ToArray();
        var name = new string(chars);
        name = char.IsAsciiLetterOrDigit(name[0]) ? name : "n" + name;
        return name.Length > 100 ? name[..100] : name;
    }

    /// <summary>
    /// Artifact names end up in SHA256SUMS, where whitespace or a backslash would change the line format,
    /// and a leading dot is reserved for temporary files.
    /// </summary>
    public static bool IsValidArtifactName(string? fileName) =>
        IsSafeName(fileName, maxLength: 200)
        && !string.Equals(fileName, ManifestFileName, StringComparison.Ordinal)
        && !string.Equals(fileName, ChecksumsFileName, StringComparison.Ordinal);

    public static void ThrowIfInvalidJobName(string job)
    {
        if (!IsValidJobName(job))
        {
            throw new ArgumentException(
                $"'{job}' cannot be used as a job name in storage: use letters, digits, '.', '_', '-', '+', starting with a letter or digit (at most 100 characters).",
                nameof(job));
        }
    }

    public static void ThrowIfInvalidArtifactName(string fileName)
    {
        if (!IsValidArtifactName(fileName))
        {
            throw new ArgumentException(
                $"'{fileName}' cannot be used as an artifact file name: use letters, digits, '.', '_', '-', '+', starting with a letter or digit (at most 200 characters); "
                + $"'{ManifestFileName}' and '{ChecksumsFileName}' are reserved.",
                nameof(fileName));
        }
    }

    private static bool IsSafeName(string? name, int maxLength)
    {
        if (string.IsNullOrEmpty(name) || name.Length > maxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or '+'))
            {
                return false;
            }
        }

        return true;
    }
}

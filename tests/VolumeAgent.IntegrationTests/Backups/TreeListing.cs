using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A directory tree as GNU find and sha256sum see it: per entry its type, permission bits, numeric owner and
/// group, symlink target and content hash (modification times are left out). The same script lists a volume
/// (inside a tools container that mounts it read-only) and a restored copy on the host, so the two compare
/// field by field.
/// </summary>
internal static class TreeListing
{
    private const string Separator = "--hashes--";

    // Paths here hold spaces and non-ASCII letters but never tabs or newlines, so lines split cleanly.
    private const string Script = """
        set -e
        cd "$1"
        find . -printf '%y\t%m\t%U\t%G\t%p\t%l\n'
        echo --hashes--
        find . -type f -exec sha256sum {} +
        """;

    public static async Task<IReadOnlyDictionary<string, TreeEntry>> OfVolumeAsync(TestScope scope, string volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var result = await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Tools,
                Cmd = ["sh", "-c", Script, "sh", "/volume"],
                Labels = scope.Fixture.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = volume, Target = "/volume", ReadOnly = true }],
                },
            },
            cancellationToken);
        result.ExitCode.Should().Be(0, $"listing volume {volume} failed: {result.Stderr}");
        return Parse(result.Stdout);
    }

    public static async Task<IReadOnlyDictionary<string, TreeEntry>> OfHostDirectoryAsync(string directory, CancellationToken cancellationToken) =>
        Parse(await HostProcess.RunCheckedAsync("sh", ["-c", Script, "sh", directory], cancellationToken));

    /// <summary>Every difference between two listings, one line each; empty when they are identical.</summary>
    public static IReadOnlyList<string> Differences(IReadOnlyDictionary<string, TreeEntry> expected, IReadOnlyDictionary<string, TreeEntry> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<string>();
        foreach (var (path, entry) in expected.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!actual.TryGetValue(path, out var other))
            {
                differences.Add($"missing: {path} ({entry})");
            }
            else if (other != entry)
            {
                differences.Add($"differs: {path}: expected {entry}, got {other}");
            }
        }

        differences.AddRange(actual.Keys.Where(p => !expected.ContainsKey(p)).Order(StringComparer.Ordinal).Select(p => $"unexpected: {p} ({actual[p]})"));
        return differences;
    }

    private static Dictionary<string, TreeEntry> Parse(string output)
    {
        var entries = new Dictionary<string, TreeEntry>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var inHashes = false;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line == Separator)
            {
                inHashes = true;
            }
            else if (inHashes)
            {
                hashes[line[66..]] = line[..64];
            }
            else
            {
                var fields = line.Split('\t');
                fields.Should().HaveCount(6, $"find printed '{line}'");
                entries[fields[4]] = new TreeEntry(fields[0], fields[1], fields[2], fields[3], fields[5], null);
            }
        }

        foreach (var (path, hash) in hashes)
        {
            entries[path] = entries[path] with { Sha256 = hash };
        }

        return entries;
    }
}

/// <summary>
/// One entry of a <see cref="TreeListing"/>: find's type letter (f, d, l, ...), octal mode, numeric uid and gid,
/// symlink target (empty otherwise) and, for regular files, the SHA-256 of the content.
/// </summary>
internal sealed record TreeEntry(string Type, string Mode, string Uid, string Gid, string LinkTarget, string? Sha256);

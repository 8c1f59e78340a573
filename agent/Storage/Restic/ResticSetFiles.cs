using System.Formats.Tar;
using System.Text;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// A set's closing objects (SHA256SUMS and manifest.json) as ONE snapshot of the directory <c>/&lt;job&gt;/&lt;set&gt;</c>:
/// a helper is created, the files are put into it as a small tar through the engine's archive API, and it runs
/// <c>restic backup /&lt;job&gt;/&lt;set&gt;</c>, tagged like every object of the set plus one <c>object=&lt;name&gt;</c> per
/// file. One helper and one key derivation instead of one per object, and the snapshot holds both files or neither.
/// Sets written before hold one snapshot per object (<c>restic backup --stdin</c> of <c>/&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>);
/// <see cref="ObjectPathsOf"/> reads both layouts.
/// </summary>
internal static class ResticSetFiles
{
    private const string ObjectTagPrefix = "object=";

    /// <summary>
    /// Top-level directories the helper gets mounted over when it starts (the kernel's, the local repository's mount
    /// point): files put there before the start would be hidden from restic, so a job of such a name keeps one
    /// snapshot per object.
    /// </summary>
    private static readonly string[] ShadowedRoots = ["proc", "sys", "dev", ResticStorageOptions.LocalMountPoint.TrimStart('/')];

    /// <summary>The snapshot path of an object: <c>/&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>, in either layout.</summary>
    public static string PathOf(SetAddress set, string name) => $"/{set.Job}/{set.Name}/{name}";

    /// <summary>Whether the set's files can be put where its snapshot path says (<see cref="ShadowedRoots"/>).</summary>
    public static bool CanHold(SetAddress set) => !ShadowedRoots.Contains(set.Job, StringComparer.Ordinal);

    /// <summary>The tags of a snapshot holding the named objects of a set: the set's own, and <c>object=&lt;name&gt;</c> for each.</summary>
    public static IReadOnlyList<string> TagsOf(SetAddress set, IEnumerable<string> names) =>
        [.. ResticUpload.TagsOf(set, "-").Where(t => !t.StartsWith(ObjectTagPrefix, StringComparison.Ordinal)), .. names.Select(n => ObjectTagPrefix + n)];

    /// <summary>
    /// The object paths (<c>/&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>) a snapshot of the agent holds: its one path when it is an
    /// object of its own, the directory's path with each name its <c>object=</c> tags give when it holds a set's files;
    /// none for a tree (it has no <c>object=</c> tag) or anything else.
    /// </summary>
    public static IEnumerable<string> ObjectPathsOf(ResticSnapshot snapshot)
    {
        if (snapshot.Paths.Count != 1)
        {
            return [];
        }

        var path = snapshot.Paths[0];
        var depth = path.TrimStart('/').Split('/').Length;
        if (depth == 3)
        {
            return [path];
        }

        return depth == 2 && path.StartsWith('/')
            ? snapshot.Tags.Where(t => t.StartsWith(ObjectTagPrefix, StringComparison.Ordinal) && t.Length > ObjectTagPrefix.Length).Select(t => path + "/" + t[ObjectTagPrefix.Length..])
            : [];
    }

    /// <summary>The job, set and object name of an object path; empty strings when it is not one.</summary>
    public static (string Job, string Set, string Name) Split(string path)
    {
        var parts = path.TrimStart('/').Split('/');
        return parts.Length == 3 && parts.All(p => p.Length > 0) ? (parts[0], parts[1], parts[2]) : (string.Empty, string.Empty, string.Empty);
    }

    /// <summary>Stores the objects as one snapshot of <c>/&lt;job&gt;/&lt;set&gt;</c> in one helper; returns restic's summary of it.</summary>
    /// <exception cref="StorageException">The helper could not be started, or restic did not save the snapshot.</exception>
    public static async Task<ResticSummary> WriteAsync(
        ResticHelper restic, SetAddress set, IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> objects, CancellationToken cancellationToken)
    {
        List<string> arguments = ["backup", $"/{set.Job}/{set.Name}", "--json", "--quiet", "--host", "volume-agent"];
        foreach (var tag in TagsOf(set, objects.Select(o => o.Name)))
        {
            arguments.AddRange(["--tag", tag]);
        }

        using var tar = Tar(set, objects, DateTimeOffset.UtcNow);
        var names = string.Join(" and ", objects.Select(o => o.Name));
        var helper = await restic.StartWithFilesAsync(arguments, tar, $"store {names} of {set} in the restic repository", cancellationToken);
        await using (helper)
        {
            ResticSummary? summary = null;
            using (var reader = new StreamReader(helper.Output, Encoding.UTF8, leaveOpen: true))
            {
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    summary = ResticJson.ParseSummaryLine(line) ?? summary;
                }
            }

            var exit = await helper.WaitAsync(cancellationToken);
            return exit == 0 && summary is not null ? summary : throw await restic.FailureAsync("backup", exit, helper.Stderr.ToString(), cancellationToken);
        }
    }

    /// <summary>
    /// The files as a tar of regular files only, <c>&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>, owned by root, mode 0644. No
    /// directory entries: the engine creates the missing parents and replaces nothing of the image's own.
    /// </summary>
    internal static MemoryStream Tar(SetAddress set, IReadOnlyList<(string Name, ReadOnlyMemory<byte> Content)> objects, DateTimeOffset now)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in objects)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, $"{set.Job}/{set.Name}/{name}")
                {
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                    ModificationTime = now,
                    Uid = 0,
                    Gid = 0,
                    DataStream = new MemoryStream(content.ToArray(), writable: false),
                };
                writer.WriteEntry(entry);
            }
        }

        stream.Position = 0;
        return stream;
    }
}

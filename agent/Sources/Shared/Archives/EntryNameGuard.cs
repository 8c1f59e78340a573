using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Restore;

namespace VolumeAgent.Sources.Shared.Archives;

/// <summary>
/// Refuses archive entries that could write outside the directory they are extracted into: absolute names,
/// names with a ".." component, names that pass through a symlink the archive made, hard links to such
/// names or to anything not earlier in the archive, and device nodes (character or block). Symlinks themselves may point anywhere (volumes hold links
/// to absolute paths); only paths that go through them are refused. Names are compared in their canonical form
/// (<see cref="TarExcludeMatcher.NormalizePath"/>), so "dir/./link/x" and "dir//link/x" go through "dir/link"
/// like "dir/link/x" does. Feed every entry, in archive order.
/// </summary>
internal sealed class EntryNameGuard
{
    private readonly HashSet<string> _symlinks = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Throws <see cref="UnsafeEntryException"/> naming the entry and the reason.</summary>
    public void Check(TarEntryInfo entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var stored = entry.StoredPath ?? entry.Path;
        if (Problem(stored) is { } problem)
        {
            throw Refuse(stored, problem);
        }

        // The parser gives canonical paths already; an entry made elsewhere is held to the same form.
        var path = TarExcludeMatcher.NormalizePath(entry.Path);

        if (entry.TypeFlag is (byte)'3' or (byte)'4')
        {
            // A device node in a volume opens a disk or a kernel interface to whoever can reach the volume.
            var kind = entry.TypeFlag == (byte)'3' ? "character" : "block";
            throw Refuse(stored, $"it is a {kind} device node, which the agent never creates (extract it by hand with tar if you trust the archive)");
        }

        if (path == "." && entry.Type != TarEntryType.Directory)
        {
            throw Refuse(stored, "it names the target directory itself but is not a directory");
        }

        if (ThroughSymlink(path) is { } link)
        {
            throw Refuse(stored, $"it lies under '{link}', which the archive made a symbolic link, so it could be written anywhere the link points");
        }

        if (_symlinks.Contains(path) && EndsInDotSegment(stored))
        {
            throw Refuse(stored, $"it names the inside of '{path}', which the archive made a symbolic link, so it would be applied wherever the link points");
        }

        if (entry.Type == TarEntryType.HardLink)
        {
            var target = entry.StoredLinkTarget ?? entry.LinkTarget ?? string.Empty;
            if (Problem(target) is { } linkProblem)
            {
                throw Refuse(stored, $"it is a hard link to '{target}': {linkProblem}");
            }

            var normalized = TarExcludeMatcher.NormalizePath(target);
            if (ThroughSymlink(normalized) is { } targetLink)
            {
                throw Refuse(stored, $"it is a hard link to '{target}', which lies under the symbolic link '{targetLink}'");
            }

            if (_symlinks.Contains(normalized) && EndsInDotSegment(target))
            {
                throw Refuse(stored, $"it is a hard link to '{target}', the inside of the symbolic link '{normalized}'");
            }

            if (!_seen.Contains(normalized))
            {
                throw Refuse(stored, $"it is a hard link to '{target}', which is not an earlier entry of the archive");
            }
        }

        if (entry.Type == TarEntryType.Symlink)
        {
            _symlinks.Add(path);
        }

        _seen.Add(path);
    }

    /// <summary>Why a stored name is unsafe in itself, or null when it is not.</summary>
    public static string? Problem(string storedName)
    {
        ArgumentNullException.ThrowIfNull(storedName);
        if (storedName.Length == 0)
        {
            return "the name is empty";
        }

        if (storedName[0] == '/')
        {
            return "it is an absolute path";
        }

        if (storedName.Contains('\0', StringComparison.Ordinal))
        {
            return "the name contains a NUL character";
        }

        foreach (var component in storedName.Split('/'))
        {
            if (component == "..")
            {
                return "it has a '..' component, which climbs out of the target";
            }
        }

        return null;
    }

    private string? ThroughSymlink(string normalizedPath)
    {
        if (_symlinks.Count == 0)
        {
            return null;
        }

        for (var slash = normalizedPath.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = normalizedPath.IndexOf('/', slash + 1))
        {
            var prefix = normalizedPath[..slash];
            if (_symlinks.Contains(prefix))
            {
                return prefix;
            }
        }

        return null;
    }

    /// <summary>"link/." or "link/./": the name resolves through its last component, not to it.</summary>
    private static bool EndsInDotSegment(string storedName)
    {
        var trimmed = storedName.AsSpan().TrimEnd('/');
        return trimmed.Length > 0 && trimmed[^1] == '.' && (trimmed.Length == 1 || trimmed[^2] == '/');
    }

    private static UnsafeEntryException Refuse(string name, string reason) =>
        new($"The archive holds an entry '{name}' that cannot be restored safely: {reason}.");
}

using System.Globalization;
using System.Text.Json;

namespace VolumeAgent.Storage.Restic;

/// <summary>What <c>restic backup --json</c> reports when it is done: the counts the manifest records and the snapshot made.</summary>
internal sealed record ResticSummary(long FilesNew, long FilesChanged, long FilesUnmodified, long DataAdded, long TotalBytesProcessed, string SnapshotId);

/// <summary>One snapshot as <c>restic snapshots --json</c> lists it.</summary>
internal sealed record ResticSnapshot(string Id, DateTimeOffset Time, IReadOnlyList<string> Paths, IReadOnlyList<string> Tags)
{
    /// <summary>The value of the first tag <c>name=value</c>, or null.</summary>
    public string? Tag(string name) =>
        Tags.FirstOrDefault(t => t.StartsWith(name + "=", StringComparison.Ordinal)) is { } tag ? tag[(name.Length + 1)..] : null;
}

/// <summary>restic's JSON output read with <see cref="JsonDocument"/> (no reflection, so it stays trim- and AOT-safe).</summary>
internal static class ResticJson
{
    /// <summary>The summary line of <c>restic backup --json</c>; null for a status or other message line.</summary>
    /// <exception cref="FormatException">The line is a summary but lacks the snapshot id.</exception>
    public static ResticSummary? ParseSummaryLine(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || !line.TrimStart().StartsWith('{'))
        {
            return null;
        }

        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("message_type", out var type) || type.GetString() != "summary")
        {
            return null;
        }

        var snapshot = root.TryGetProperty("snapshot_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (string.IsNullOrEmpty(snapshot))
        {
            throw new FormatException("restic's backup summary names no snapshot_id: the snapshot was not saved.");
        }

        return new ResticSummary(Count(root, "files_new"), Count(root, "files_changed"), Count(root, "files_unmodified"), Count(root, "data_added"), Count(root, "total_bytes_processed"), snapshot);
    }

    /// <summary>The array <c>restic snapshots --json</c> prints.</summary>
    /// <exception cref="FormatException">The output is not a list of snapshots.</exception>
    public static IReadOnlyList<ResticSnapshot> ParseSnapshots(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("restic snapshots --json printed something other than a list.");
            }

            var result = new List<ResticSnapshot>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var id = item.GetProperty("id").GetString() ?? throw new FormatException("A snapshot without an id.");
                var time = DateTimeOffset.Parse(item.GetProperty("time").GetString() ?? string.Empty, CultureInfo.InvariantCulture);
                result.Add(new ResticSnapshot(id, time, Strings(item, "paths"), Strings(item, "tags")));
            }

            return result;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"restic snapshots --json printed what is not a snapshot list: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// One node line of <c>restic ls --json</c> as an entry relative to <paramref name="root"/>; null for the snapshot
    /// line, the root itself and paths outside it. Go's file mode becomes Unix permission bits (set-id and sticky included).
    /// </summary>
    public static FileTreeEntry? ParseNode(string line, string root)
    {
        if (string.IsNullOrWhiteSpace(line) || !line.TrimStart().StartsWith('{'))
        {
            return null;
        }

        using var document = JsonDocument.Parse(line);
        var node = document.RootElement;
        if (!node.TryGetProperty("struct_type", out var kind) || kind.GetString() != "node"
            || !node.TryGetProperty("path", out var pathElement) || pathElement.GetString() is not { } path)
        {
            return null;
        }

        var prefix = root.TrimEnd('/') + "/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var type = node.TryGetProperty("type", out var t) ? t.GetString() ?? "other" : "other";
        var goMode = node.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetUInt32() : 0u;
        var mode = (int)(goMode & 0x1FF)
            | ((goMode & (1u << 23)) != 0 ? 0x800 : 0)
            | ((goMode & (1u << 22)) != 0 ? 0x400 : 0)
            | ((goMode & (1u << 20)) != 0 ? 0x200 : 0);
        return new FileTreeEntry(path[prefix.Length..], type, mode, Count(node, "uid"), Count(node, "gid"), type == "file" ? Count(node, "size") : 0);
    }

    /// <summary>The version in <c>restic version</c>'s line, e.g. <c>restic 0.14.0 compiled with go1.19.8 on linux/amd64</c>.</summary>
    public static Version? ParseVersion(string output)
    {
        var words = output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || words[0] != "restic")
        {
            return null;
        }

        var number = words[1].TrimStart('v').Split('-', '+')[0];
        return Version.TryParse(number, out var version) ? version : null;
    }

    private static long Count(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private static IReadOnlyList<string> Strings(JsonElement item, string name) =>
        item.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(e => e.GetString() ?? string.Empty)]
            : [];
}

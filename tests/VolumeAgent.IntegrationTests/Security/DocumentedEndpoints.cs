using VolumeAgent.IntegrationTests.Daemon;

namespace VolumeAgent.IntegrationTests.Security;

/// <summary>
/// The endpoint table of docs/security.md, read as the tests check requests against it: one row per endpoint
/// (method, path with placeholders, proxy category) and an "x" in the column of each use that calls it.
/// </summary>
internal sealed class DocumentedEndpoints
{
    private readonly List<(string Method, string Path, string Category, HashSet<string> Uses)> _rows = [];

    private DocumentedEndpoints()
    {
    }

    public static DocumentedEndpoints Load()
    {
        var table = new DocumentedEndpoints();
        string[]? header = null;
        foreach (var line in File.ReadLines(Path.Combine(AgentImage.RepositoryRoot, "docs", "security.md")))
        {
            if (!line.StartsWith('|'))
            {
                header = null;
                continue;
            }

            var cells = line.Trim('|').Split('|').Select(c => c.Trim().Trim('`')).ToArray();
            if (header is null)
            {
                header = cells[0] == "method" ? cells : null;
                continue;
            }

            if (cells[0].StartsWith('-'))
            {
                continue;
            }

            var uses = header.Skip(3).Where((_, i) => cells[i + 3] == "x").ToHashSet(StringComparer.Ordinal);
            table._rows.Add((cells[0], cells[1], cells[2], uses));
        }

        return table._rows.Count > 0 ? table : throw new InvalidDataException("docs/security.md has no endpoint table (a header starting with | method |).");
    }

    /// <summary>The rows of the request's method and path template that one of <paramref name="uses"/> marks; null when none does.</summary>
    public string? CategoryOf(ProxyRequest request, params string[] uses)
    {
        ArgumentNullException.ThrowIfNull(request);
        var row = _rows.FirstOrDefault(r => r.Method == request.Method && r.Path == request.Template && r.Uses.Overlaps(uses));
        return row.Method is null ? null : row.Category;
    }

    /// <summary>The requests no row of <paramref name="uses"/> documents.</summary>
    public IReadOnlyList<string> Undocumented(IEnumerable<ProxyRequest> requests, params string[] uses) =>
        [.. requests.Where(r => CategoryOf(r, uses) is null).Select(r => $"{r.Method} {r.Template}").Distinct()];
}

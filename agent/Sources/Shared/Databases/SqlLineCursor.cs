using System.Runtime.InteropServices;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>
/// Walks a SQL dump (pg_dump plain, mysqldump) line by line, yielding the lines that carry meaning: comments,
/// blank lines and psql's per-dump <c>\restrict</c> keys are skipped, except inside COPY data, where every line
/// is a row and is kept as it is. Counts the rows of each COPY block as it goes.
/// </summary>
internal sealed class SqlLineCursor
{
    private const string CopyPrefix = "COPY ";
    private const string CopySuffix = " FROM stdin;";
    private const string CopyEnd = "\\.";
    private readonly TextReader _reader;
    private readonly Dictionary<string, long> _rows = new(StringComparer.Ordinal);
    private string? _copyTable;

    public SqlLineCursor(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
    }

    /// <summary>Number (1-based) of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Table of the COPY block the last returned line is a row of; null outside COPY data.</summary>
    public string? RowOf { get; private set; }

    /// <summary>Row number (1-based) of the last returned line within its COPY block.</summary>
    public long RowNumber { get; private set; }

    /// <summary>Rows per table seen so far, in order of appearance.</summary>
    public IReadOnlyDictionary<string, long> RowCounts => _rows;

    /// <summary>The next meaningful line, or null at the end of the dump.</summary>
    public async Task<string?> NextAsync(CancellationToken cancellationToken)
    {
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            LineNumber++;
            if (_copyTable is not null)
            {
                if (line == CopyEnd)
                {
                    _copyTable = null;
                    RowOf = null;
                    return line;
                }

                RowOf = _copyTable;
                RowNumber = ++CollectionsMarshal.GetValueRefOrAddDefault(_rows, _copyTable, out _);
                return line;
            }

            RowOf = null;
            if (IsIgnorable(line))
            {
                continue;
            }

            if (CopyTableOf(line) is { } table)
            {
                _copyTable = table;
                _rows.TryAdd(table, 0);
            }

            return line;
        }

        return null;
    }

    /// <summary>Reads to the end (counting rows), so the producing process can finish.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (await NextAsync(cancellationToken) is not null)
        {
        }
    }

    internal static bool IsIgnorable(string line)
    {
        var trimmed = line.AsSpan().Trim();
        return trimmed.IsEmpty
            || trimmed.StartsWith("--", StringComparison.Ordinal)
            // psql 15.14+ brackets plain dumps with a random key; it differs between any two dumps.
            || trimmed.StartsWith("\\restrict ", StringComparison.Ordinal)
            || trimmed.StartsWith("\\unrestrict ", StringComparison.Ordinal);
    }

    internal static string? CopyTableOf(string line)
    {
        if (!line.StartsWith(CopyPrefix, StringComparison.Ordinal) || !line.EndsWith(CopySuffix, StringComparison.Ordinal))
        {
            return null;
        }

        var body = line[CopyPrefix.Length..^CopySuffix.Length];
        var columns = body.IndexOf(" (", StringComparison.Ordinal);
        return columns > 0 ? body[..columns] : body;
    }
}

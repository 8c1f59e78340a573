namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>How a restored database's dump compares with the backup's own SQL.</summary>
/// <param name="Difference">The first difference, in words; null when the dumps are equal.</param>
/// <param name="BackupRows">Rows per table in the backup's COPY data (empty for dumps without COPY).</param>
/// <param name="RestoredRows">Rows per table in the restored database's dump.</param>
/// <param name="Lines">Meaningful lines compared (comments and blank lines aside).</param>
internal sealed record DumpComparison(
    string? Difference,
    IReadOnlyDictionary<string, long> BackupRows,
    IReadOnlyDictionary<string, long> RestoredRows,
    long Lines)
{
    public bool Identical => Difference is null;

    public long TotalRestoredRows => RestoredRows.Values.Sum();
}

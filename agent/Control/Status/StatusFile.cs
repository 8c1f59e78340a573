namespace VolumeAgent.Control.Status;

/// <summary>state_dir/status.json: each job's last run and last success, so the daemon's status and health survive a restart.</summary>
internal sealed record StatusFile
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public IReadOnlyDictionary<string, RunRecord> LastRuns { get; init; } = new Dictionary<string, RunRecord>(StringComparer.Ordinal);

    /// <summary>When each job's last successful run finished (the missed-schedule check's clock); absent in older files.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset>? LastSuccesses { get; init; }
}

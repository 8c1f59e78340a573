namespace VolumeAgent.Control;

/// <summary>A run the daemon has going now.</summary>
internal sealed record RunningRun
{
    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    public required string Trigger { get; init; }

    public required DateTimeOffset Since { get; init; }
}

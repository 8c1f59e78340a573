namespace VolumeAgent.Restore;

/// <summary>How a command that was fed input ended.</summary>
/// <param name="InputDelivered">False when the command stopped reading before the input ended.</param>
internal sealed record FeedResult(long ExitCode, string Stderr, bool InputDelivered)
{
    public bool Succeeded => ExitCode == 0 && InputDelivered;
}

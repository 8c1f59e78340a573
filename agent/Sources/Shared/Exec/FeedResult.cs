using VolumeAgent.Restore;

namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>How a command that was fed input ended.</summary>
/// <param name="InputDelivered">False when the command stopped reading before the input ended.</param>
internal sealed record FeedResult(long ExitCode, string Stderr, bool InputDelivered)
{
    public bool Succeeded => ExitCode == 0 && InputDelivered;

    /// <summary>Throws <see cref="RestoreFailedException"/> naming the tool, what it restored and the container, unless it succeeded.</summary>
    public void ThrowIfFailed(string tool, string what, string container)
    {
        if (ExitCode != 0)
        {
            throw new RestoreFailedException(
                $"{tool} failed restoring {what} into container {container} (exit {ExitCode}): {(Stderr.Length > 0 ? Stderr : "no error output")}");
        }

        if (!InputDelivered)
        {
            throw new RestoreFailedException($"{tool} ended before it had read all of {what} (exit 0); the restore into container {container} is incomplete.");
        }
    }

}

using Serilog;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>Keeps a job's <c>latest</c> pointer in a storage current; a pointer that cannot be written is a warning, never a failed run.</summary>
internal static class LatestPointer
{
    public static async Task RefreshAsync(IBackupStore store, string storageLabel, string job, ILogger log, CancellationToken cancellationToken)
    {
        try
        {
            await store.RefreshLatestAsync(job, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            log.ForEvent(LogEvents.LatestNotUpdated).Warning("The latest pointer of job {Job} in {Storage} was not updated: {Error}", job, storageLabel, ex.Message);
        }
    }
}

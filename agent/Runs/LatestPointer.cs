using Serilog;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>Keeps a job's <c>latest</c> pointer in a storage current; a pointer that cannot be written is a warning, never a failed run.</summary>
internal static class LatestPointer
{
    /// <summary>Points <c>latest</c> at the newest succeeded set the storage lists: after sets were deleted or copied in.</summary>
    public static Task RefreshAsync(IBackupStore store, string storageLabel, string job, ILogger log, CancellationToken cancellationToken) =>
        WarnOnFailureAsync(() => store.RefreshLatestAsync(job, cancellationToken), storageLabel, job, log);

    /// <summary>Points <c>latest</c> at the set a run has just completed, without listing the storage.</summary>
    public static Task PointAsync(IBackupStore store, string storageLabel, string job, string setName, ILogger log, CancellationToken cancellationToken) =>
        WarnOnFailureAsync(() => store.PointLatestAsync(job, setName, cancellationToken), storageLabel, job, log);

    private static async Task WarnOnFailureAsync(Func<Task> update, string storageLabel, string job, ILogger log)
    {
        try
        {
            await update();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            log.ForEvent(LogEvents.LatestNotUpdated).Warning("The latest pointer of job {Job} in {Storage} was not updated: {Error}", job, storageLabel, ex.Message);
        }
    }
}

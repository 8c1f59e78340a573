namespace VolumeAgent.Runs;

/// <summary>
/// Held while a job runs, by whichever agent process runs it (the daemon or a `run-now`), so two runs of one
/// job never overlap. A lock file the kernel releases when the process dies: a crash leaves no stale lock.
/// </summary>
internal sealed class JobLock : IDisposable
{
    private readonly FileStream _file;

    private JobLock(FileStream file) => _file = file;

    /// <summary>Takes the job's lock, or returns null when another process holds it.</summary>
    public static JobLock? TryAcquire(string stateDir, string job)
    {
        var folder = Path.Combine(stateDir, "locks");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            return new JobLock(new FileStream(Path.Combine(folder, job + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose() => _file.Dispose();
}

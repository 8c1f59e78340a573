using System.Security.Cryptography;
using VolumeAgent.Docker;

namespace VolumeAgent.Runs;

/// <summary>
/// This process, as other agent processes can see it: an id carried as a label on every container it
/// creates, and a lock file held for as long as the process lives. The kernel drops the lock when the
/// process dies, however it dies, so a later start can tell a crashed run's leftovers from a live run's work.
/// </summary>
internal sealed class AgentInstance : IDisposable
{
    private const string Folder = "instances";
    private static int s_leftBehind;
    private readonly FileStream _lock;

    private AgentInstance(string id, string lockPath, FileStream lockFile)
    {
        Id = id;
        LockPath = lockPath;
        _lock = lockFile;
    }

    public string Id { get; }

    public string LockPath { get; }

    public static AgentInstance Acquire(string stateDir)
    {
        var folder = Path.Combine(stateDir, Folder);
        try
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOperationException(
                $"The state directory {stateDir} cannot be created or written ({ex.Message}). "
                + "Mount a writable volume there, or set state_dir in backup.yml to a writable directory.",
                ex);
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var path = Path.Combine(folder, id + ".lock");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        ExecTags.Owner = id;
        return new AgentInstance(id, path, file);
    }

    /// <summary>True when an instance with that id ran with this state directory and has not ended cleanly.</summary>
    public static bool HasLockFile(string stateDir, string instanceId) =>
        IsInstanceId(instanceId) && File.Exists(Path.Combine(stateDir, Folder, instanceId + ".lock"));

    /// <summary>True while the process with that id holds its lock.</summary>
    public static bool IsAlive(string stateDir, string instanceId)
    {
        if (!IsInstanceId(instanceId))
        {
            return false;
        }

        var path = Path.Combine(stateDir, Folder, instanceId + ".lock");
        try
        {
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
            }

            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Every instance that left a lock file in the state directory, alive or not.</summary>
    public static IReadOnlyList<string> ListLockFiles(string stateDir)
    {
        var folder = Path.Combine(stateDir, Folder);
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder, "*.lock").Select(Path.GetFileNameWithoutExtension).OfType<string>().Where(IsInstanceId)]
            : [];
    }

    /// <summary>Deletes a dead instance's lock file, once nothing it made is left to recognise by it.</summary>
    public static void Forget(string stateDir, string instanceId)
    {
        if (IsInstanceId(instanceId))
        {
            File.Delete(Path.Combine(stateDir, Folder, instanceId + ".lock"));
        }
    }

    /// <summary>
    /// Something this process made could not be removed (the engine was down): its lock file stays when it ends, so
    /// the next start's sweep sees a dead instance of this state directory and removes what it left.
    /// </summary>
    public static void LeftSomethingBehind() => Interlocked.Exchange(ref s_leftBehind, 1);

    private static bool IsInstanceId(string value) => value.Length > 0 && value.All(char.IsAsciiHexDigitLower);

    public void Dispose()
    {
        _lock.Dispose();
        if (Volatile.Read(ref s_leftBehind) != 0)
        {
            return;
        }

        try
        {
            File.Delete(LockPath);
        }
        catch (IOException)
        {
            // A stale lock file is harmless: the next sweep finds it unlocked and deletes it.
        }
    }
}

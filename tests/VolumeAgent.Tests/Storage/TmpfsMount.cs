using System.Diagnostics;

namespace VolumeAgent.Tests.Storage;

/// <summary>
/// A small tmpfs mounted for one test (root only): the real way to get ENOSPC or EROFS from the kernel.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    /// <summary>Mounts a tmpfs at <paramref name="path"/>, or returns null where mounting is not permitted.</summary>
    public static TmpfsMount? TryMount(string path, string options)
    {
        Directory.CreateDirectory(path);
        return Run("mount", "-t", "tmpfs", "-o", options, "tmpfs", path) ? new TmpfsMount(path) : null;
    }

    public void Dispose() => Run("umount", Path);

    private static bool Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

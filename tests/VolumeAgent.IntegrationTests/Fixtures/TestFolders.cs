using System.Diagnostics;
using System.Globalization;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// Host folders a test process makes in the temp directory: <c>va-pid&lt;pid&gt;-&lt;kind&gt;-&lt;random&gt;</c>. The
/// first folder a process makes removes those of processes that no longer run (a crash, a killed run), and never
/// another's: no other name the tests give begins with <c>va-pid</c> (Docker objects' names, which some folders
/// take, all begin with <c>va-test-</c>), so no run id or name can be read as a pid. Loop devices backed by a file
/// in a removed folder are detached first.
/// </summary>
internal static class TestFolders
{
    private const string Prefix = "va-pid";
    private static int _swept;

    /// <summary>A new empty folder of this process; <paramref name="kind"/> says what it holds.</summary>
    public static string Create(string kind)
    {
        if (Interlocked.Exchange(ref _swept, 1) == 0)
        {
            RemoveThoseOfDeadProcesses(Path.GetTempPath(), IsRunning);
        }

        return Directory.CreateTempSubdirectory(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{kind}-")).FullName;
    }

    /// <summary>Removes the folders in <paramref name="parent"/> whose pid does not run; returns them.</summary>
    internal static IReadOnlyList<string> RemoveThoseOfDeadProcesses(string parent, Func<int, bool> isRunning)
    {
        var dead = Directory.EnumerateDirectories(parent, Prefix + "*").Where(folder => PidOf(folder) is { } pid && !isRunning(pid)).ToList();
        if (dead.Count > 0)
        {
            LoopDevices.DetachThoseBackedUnder(dead);
        }

        foreach (var folder in dead)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another process's sweep got there first.
            }
        }

        return dead;
    }

    private static int? PidOf(string folder)
    {
        var rest = Path.GetFileName(folder)[Prefix.Length..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Whether a process with this pid runs now (on this host, in this pid namespace).</summary>
    internal static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}

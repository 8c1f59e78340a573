using System.Diagnostics;
using VolumeAgent.IntegrationTests.Daemon;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>Loop devices over files in a test's folder (`losetup`, as root), detached by their user or by the sweep of a dead run.</summary>
internal static class LoopDevices
{
    /// <summary>Attaches <paramref name="file"/> to a free loop device; returns its path.</summary>
    public static async Task<string> AttachAsync(string file, CancellationToken cancellationToken)
    {
        var attached = await CommandLine.RunAsync("losetup", ["--find", "--show", file], cancellationToken);
        if (attached.ExitCode != 0 || !attached.Stdout.Trim().StartsWith("/dev/loop", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"`losetup --find --show {file}` failed: the tests need root and loop devices (util-linux). {attached}");
        }

        return attached.Stdout.Trim();
    }

    public static async Task DetachAsync(string device)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var detached = await CommandLine.RunAsync("losetup", ["--detach", device], bound.Token);
        if (detached.ExitCode != 0)
        {
            throw new InvalidOperationException($"`losetup --detach {device}` failed: {detached}");
        }
    }

    /// <summary>Detaches every loop device whose backing file is in one of <paramref name="folders"/> (the sweep's part).</summary>
    public static void DetachThoseBackedUnder(IReadOnlyList<string> folders)
    {
        string listing;
        try
        {
            using var list = Process.Start(new ProcessStartInfo("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            listing = list.StandardOutput.ReadToEnd();
            list.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return; // No losetup: no test here ever attached one.
        }

        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && folders.Any(folder => parts[1].StartsWith(folder + "/", StringComparison.Ordinal)))
            {
                using var detach = Process.Start("losetup", ["--detach", parts[0]]);
                detach.WaitForExit();
            }
        }
    }
}

using System.Globalization;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>One look at a process from /proc: resident memory, open file descriptors, threads.</summary>
internal sealed record ProcessSample(long RssBytes, int FileDescriptors, int Threads)
{
    public static ProcessSample Of(int pid)
    {
        long rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(line["Threads:".Length..].Trim(), CultureInfo.InvariantCulture);
            }
        }

        var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd").Count();
        return new ProcessSample(rss, fds, threads);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RSS {RssBytes / 1048576.0:0.0} MiB, {FileDescriptors} fds, {Threads} threads");
}

/// <summary>
/// Whether a series of samples taken after each run grew: the samples after the warm-up are split in two halves, and
/// the later half's highest value may not pass the earlier half's highest by more than the tolerance. A leak of a
/// little per run shows over many runs; the noise of a garbage collector or a connection pool stays in the tolerance.
/// </summary>
internal static class Growth
{
    public static (long Earlier, long Later) Halves(IReadOnlyList<long> afterWarmUp)
    {
        ArgumentNullException.ThrowIfNull(afterWarmUp);
        var half = afterWarmUp.Count / 2;
        return (afterWarmUp.Take(half).Max(), afterWarmUp.Skip(half).Max());
    }
}

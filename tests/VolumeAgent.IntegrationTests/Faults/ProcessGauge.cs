using System.Globalization;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>
/// One look at a process from /proc: resident memory, open file descriptors, threads. The descriptors of assembly
/// files (<c>*.dll</c>) are counted apart: a JIT-run .NET process keeps each assembly it loads open for its life, and
/// loads some only when a path first needs it (in a soak, runs later than the warm-up loaded
/// System.Diagnostics.Process and System.Net.Requests, two descriptors each), so they are no per-run resource that
/// could leak; sockets, pipes and files are.
/// </summary>
internal sealed record ProcessSample(long RssBytes, int FileDescriptors, int Threads, int AssemblyFiles = 0)
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

        int fds = 0, assemblies = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                // Closed between the listing and the look: not open any more.
                continue;
            }

            if (target?.EndsWith(".dll", StringComparison.Ordinal) == true)
            {
                assemblies++;
            }
            else
            {
                fds++;
            }
        }

        return new ProcessSample(rss, fds, threads, assemblies);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RSS {RssBytes / 1048576.0:0.0} MiB, {FileDescriptors} fds (and {AssemblyFiles} of assembly files), {Threads} threads");
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

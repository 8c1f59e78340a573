using System.Collections.Concurrent;
using System.Text;
using Docker.DotNet;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;

namespace VolumeAgent.IntegrationTests.Security;

/// <summary>
/// Watches, while a run goes on, what others could see of it: the command line of every process on the host (the
/// execs the agent starts inside database containers and its helpers' programs run in this machine's process
/// table, visible in /proc to anyone), and the labels of the agent's containers of one job. Stop it with
/// <see cref="StopAsync"/>; it keeps every distinct command line and label value it saw.
/// </summary>
internal sealed class ProcessWatch : IAsyncDisposable
{
    private static readonly TimeSpan ProcInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan LabelInterval = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, bool> _commandLines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _labels = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _procs;
    private readonly Task _containers;

    public ProcessWatch(DockerClient client, string job)
    {
        _procs = Task.Run(() => WatchProcs(_stop.Token));
        _containers = Task.Run(() => WatchLabelsAsync(client, job, _stop.Token));
    }

    /// <summary>Every distinct command line seen (arguments joined by spaces).</summary>
    public IReadOnlyCollection<string> CommandLines => [.. _commandLines.Keys];

    /// <summary>Every distinct "key=value" label of the job's agent containers seen.</summary>
    public IReadOnlyCollection<string> Labels => [.. _labels.Keys];

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_procs, _containers);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private void WatchProcs(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (!char.IsAsciiDigit(Path.GetFileName(directory)[0]))
                {
                    continue;
                }

                try
                {
                    var raw = File.ReadAllBytes(Path.Combine(directory, "cmdline"));
                    if (raw.Length > 0)
                    {
                        _commandLines.TryAdd(Encoding.UTF8.GetString(raw).TrimEnd('\0').Replace('\0', ' '), true);
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The process ended between the listing and the read.
                }
            }

            cancellationToken.WaitHandle.WaitOne(ProcInterval);
        }
    }

    private async Task WatchLabelsAsync(DockerClient client, string job, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var container in await client.ListContainersAsync(AgentLabelNames.OfJob(job), cancellationToken))
                {
                    foreach (var (key, value) in container.Labels ?? new Dictionary<string, string>())
                    {
                        _labels.TryAdd($"{key}={value}", true);
                    }
                }

                await Task.Delay(LabelInterval, cancellationToken);
            }
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped, perhaps in the middle of a listing.
        }
    }
}

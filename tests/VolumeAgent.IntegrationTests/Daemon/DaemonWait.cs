using System.Diagnostics;

namespace VolumeAgent.IntegrationTests.Daemon;

internal static class DaemonWait
{
    /// <summary>Polls until <paramref name="condition"/> holds, or fails saying what it waited for and the last answer.</summary>
    public static async Task UntilAsync(string what, TimeSpan limit, Func<Task<(bool Done, string Last)>> condition, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = string.Empty;
        while (clock.Elapsed < limit)
        {
            (var done, last) = await condition();
            if (done)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}; last: {last}");
    }

    /// <summary>Waits for the container's health status to be "healthy".</summary>
    public static Task HealthyAsync(string container, TimeSpan limit, CancellationToken cancellationToken) =>
        UntilAsync(
            $"container {container} to be healthy",
            limit,
            async () =>
            {
                var state = await CommandLine.DockerAsync(cancellationToken, "inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", container);
                if (state.Stdout.StartsWith("exited", StringComparison.Ordinal) || state.Stdout.StartsWith("dead", StringComparison.Ordinal))
                {
                    var logs = await CommandLine.DockerAsync(cancellationToken, "logs", "--tail", "50", container);
                    throw new InvalidOperationException($"Container {container} stopped: {state.Stdout.Trim()}\n{logs.Output}");
                }

                return (state.Stdout.Trim().EndsWith(" healthy", StringComparison.Ordinal), state.Output.Trim());
            },
            cancellationToken);
}

using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Hooks;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Sources;

namespace VolumeAgent.Runs;

/// <summary>
/// Runs a job's hooks in order, each by exec in its container within its timeout, logging its output line by
/// line. Command lines are not logged: users put credentials in them.
/// </summary>
internal static class HookRunner
{
    private static readonly TimeSpan AfterHooksBoundWhenCancelled = TimeSpan.FromSeconds(60);

    /// <summary>Hooks are silent by nature and bounded by their own timeouts: a run waiting for them is not stalled.</summary>
    public static TimeSpan Bound(IReadOnlyList<HookOptions> hooks) => hooks.Aggregate(TimeSpan.Zero, (sum, hook) => sum + hook.Timeout);

    /// <summary>
    /// The job's after-hooks, which run even when the run failed or was cancelled (they often undo a before-hook); each
    /// keeps its own timeout, and a cancelled run gives them a bounded time of their own. Returns the failure, or null.
    /// </summary>
    /// <param name="environment">The run's result for the hooks (<see cref="HookEnvironment"/>).</param>
    public static async Task<string?> RunAfterAsync(
        JobOptions job, IReadOnlyList<string> environment, IDockerEngine docker, ContainerResolver resolver, ILogger log, CancellationToken cancellationToken)
    {
        if (job.Hooks.After.Count == 0)
        {
            return null;
        }

        using var bound = new CancellationTokenSource(AfterHooksBoundWhenCancelled);
        try
        {
            await RunAsync("after", job.Hooks.After, environment, docker, resolver, log, cancellationToken.IsCancellationRequested ? bound.Token : cancellationToken);
            return null;
        }
        catch (HookFailedException ex)
        {
            log.ForEvent(LogEvents.AfterHookFailed).Error("{Error}", ex.Message);
            return ex.Message;
        }
    }

    /// <param name="environment">Variables every hook of the stage gets, as NAME=value (<see cref="HookEnvironment"/>).</param>
    public static async Task RunAsync(
        string stage,
        IReadOnlyList<HookOptions> hooks,
        IReadOnlyList<string> environment,
        IDockerEngine docker,
        ContainerResolver resolver,
        ILogger log,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < hooks.Count; i++)
        {
            await RunOneAsync($"{stage} hook {i + 1} ({hooks[i].Command[0]} in {hooks[i].Container})", hooks[i], environment, docker, resolver, log, cancellationToken);
        }
    }

    private static async Task RunOneAsync(
        string what, HookOptions hook, IReadOnlyList<string> environment, IDockerEngine docker, ContainerResolver resolver, ILogger log, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(hook.Timeout);
        IExecProcess? process = null;
        try
        {
            ContainerInspect container;
            try
            {
                container = await resolver.ResolveAsync(hook.Container, timeout.Token);
            }
            catch (Swarm.NotOnThisNodeException ex)
            {
                // The node that runs the service's task runs its hooks, as it backs up its sources.
                log.ForEvent(LogEvents.SwarmHookSkipped).Information("The {Hook} is skipped on this node: {Reason}", what, ex.Message);
                return;
            }

            if (container.State is not { Running: true })
            {
                throw new HookFailedException($"The {what} cannot run: container {ContainerResolver.NameOf(container)} is not running.");
            }

            log.ForEvent(LogEvents.HookStarted).Information("Running the {Hook}", what);
            var stderr = new LineLogger(log, what);
            process = await docker.Exec.RunAsync(
                container.Id, hook.Command, timeout.Token, new ExecStartOptions { Environment = environment, User = hook.User, StderrSink = stderr.Append, StopOnDispose = true, Log = log });
            using (var reader = new StreamReader(process.Stdout, leaveOpen: true))
            {
                while (await reader.ReadLineAsync(timeout.Token) is { } line)
                {
                    log.ForEvent(LogEvents.HookOutput).Information("{Hook}: {Line}", what, line);
                }
            }

            var exit = await process.WaitForExitAsync(timeout.Token);
            stderr.Flush();
            if (exit != 0)
            {
                var tail = process.Stderr.ToString();
                throw new HookFailedException($"The {what} exited with code {exit}{(tail.Length > 0 ? ": " + tail : string.Empty)}");
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var late = $"The {what} did not finish within its timeout of {Duration.Format(hook.Timeout)}";
            if (process is null)
            {
                throw new HookFailedException($"{late}: the engine had not yet answered its start.");
            }

            try
            {
                var stopped = await process.StopAsync(CancellationToken.None);
                throw new HookFailedException($"{late}; it was stopped: {stopped}.");
            }
            catch (ExecStopException ex)
            {
                throw new HookFailedException($"{late}. {ex.Message}", ex);
            }
        }
        catch (Exception ex) when (ex is ArtifactFailedException or DockerApiException or IOException)
        {
            throw new HookFailedException($"The {what} failed: {ex.Message}", ex);
        }
        finally
        {
            if (process is not null)
            {
                // Stops the hook if the run was cancelled while it ran; a timed-out hook was stopped above.
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>Logs a process's stderr a line at a time as it arrives.</summary>
    private sealed class LineLogger(ILogger log, string what)
    {
        private readonly StringBuilder _pending = new();

        public void Append(ReadOnlySpan<byte> data)
        {
            _pending.Append(Encoding.UTF8.GetString(data));
            int newline;
            while ((newline = _pending.ToString().IndexOf('\n', StringComparison.Ordinal)) >= 0)
            {
                log.ForEvent(LogEvents.HookErrorOutput).Warning("{Hook} (stderr): {Line}", what, _pending.ToString(0, newline).TrimEnd('\r'));
                _pending.Remove(0, newline + 1);
            }
        }

        public void Flush()
        {
            if (_pending.Length > 0)
            {
                log.ForEvent(LogEvents.HookErrorOutput).Warning("{Hook} (stderr): {Line}", what, _pending.ToString());
                _pending.Clear();
            }
        }
    }
}

internal sealed class HookFailedException : Exception
{
    public HookFailedException()
    {
    }

    public HookFailedException(string message)
        : base(message)
    {
    }

    public HookFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

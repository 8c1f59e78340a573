using System.Text;
using Serilog;
using VolumeAgent.Docker;

namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>Commands run by exec in a database container, with input on their stdin.</summary>
internal static class ExecRunner
{
    /// <summary>Runs a short command with <paramref name="stdin"/> as its whole input and keeps its (small) output.</summary>
    public static async Task<ExecResult> RunAsync(
        IDockerEngine docker, string containerId, IReadOnlyList<string> command, IReadOnlyList<string>? environment, string stdin, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        await using var process = await docker.Exec.RunAsync(
            containerId, command, cancellationToken, new ExecStartOptions { Environment = environment, Stdin = true, StopOnDispose = true, Log = log });
        var reading = ExecCapture.ReadCappedAsync(
            process.Stdout,
            () => new InvalidDataException($"'{command[0]}' printed more than {ExecCapture.MaxOutputBytes / (1024 * 1024)} MiB where a short answer was expected."),
            cancellationToken);
        try
        {
            await process.Stdin.WriteAsync(Encoding.UTF8.GetBytes(stdin), cancellationToken);
            await StdinFeeder.CloseAsync(process.Stdin, process.CloseStdin, cancellationToken);
        }
        catch (Exception ex) when (StdinFeeder.IsClosedInput(ex))
        {
            // The command ended before reading its input; its exit code and error output say why.
        }

        var output = await reading;
        var exit = await process.WaitForExitAsync(cancellationToken);
        return new ExecResult(exit, output, process.Stderr.ToString());
    }

    /// <summary>
    /// Runs a command whose stdin <paramref name="write"/> fills (returning false when the command stopped reading
    /// early), dropping its stdout; returns its exit code and error output. When <paramref name="write"/> throws
    /// (its source failed), the command is stopped and the error propagates.
    /// </summary>
    public static async Task<FeedResult> FeedAsync(
        IDockerEngine docker,
        string containerId,
        IReadOnlyList<string> command,
        IReadOnlyList<string>? environment,
        Func<Stream, CancellationToken, Task<bool>> write,
        ILogger log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        ArgumentNullException.ThrowIfNull(write);
        await using var process = await docker.Exec.RunAsync(
            containerId, command, cancellationToken, new ExecStartOptions { Environment = environment, Stdin = true, StopOnDispose = true, Log = log });

        // Output is drained while the input goes in: a tool that reports each statement must never stall.
        var exit = process.WaitForExitAsync(cancellationToken);
        bool delivered;
        try
        {
            delivered = await write(process.Stdin, cancellationToken)
                && await StdinFeeder.CloseAsync(process.Stdin, process.CloseStdin, cancellationToken);
        }
        catch
        {
            await process.DisposeAsync();
            await ObserveAsync(exit);
            throw;
        }

        return new FeedResult(await exit, process.Stderr.ToString(), delivered);
    }

    /// <summary>Awaits a task whose outcome no longer matters (its process was stopped).</summary>
    internal static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or DockerApiException
            or DockerUnavailableException or TimeoutException or InvalidDataException)
        {
            // The process was stopped on purpose; the error that made us stop it is the one to report.
        }
    }
}

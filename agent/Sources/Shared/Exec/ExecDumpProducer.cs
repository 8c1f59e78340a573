using System.Text.RegularExpressions;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>
/// A dump tool run by exec inside the database's own container (so its version always matches the server's),
/// its stdout streamed out. Secrets travel in the exec's environment, never on its command line.
/// </summary>
internal sealed partial class ExecDumpProducer : IArtifactProducer
{
    /// <summary>The shell's exit code for a command it cannot find.</summary>
    internal const long CommandNotFoundExit = 127;
    private static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(3);
    private readonly IDockerEngine _docker;
    private readonly ILogger _log;
    private readonly ContainerInspect _container;
    private readonly IReadOnlyList<string> _command;
    private readonly IReadOnlyList<string> _environment;
    private readonly IDumpCheck? _check;
    private readonly Task<string>? _toolVersion;
    private IExecProcess? _process;

    /// <param name="toolVersion">
    /// The dump tool's version when it is asked while the dump runs (see <see cref="Facts"/>); a failure fails the
    /// artifact.
    /// </param>
    public ExecDumpProducer(
        IDockerEngine docker,
        ILogger log,
        ContainerInspect container,
        ArtifactDescriptor descriptor,
        IReadOnlyList<string> command,
        IReadOnlyList<string> environment,
        IDumpCheck? check = null,
        Task<string>? toolVersion = null)
    {
        _docker = docker;
        _log = log;
        _container = container;
        Descriptor = descriptor;
        _command = command;
        _environment = environment;
        _check = check;
        _toolVersion = toolVersion;
    }

    public ArtifactDescriptor Descriptor { get; }

    /// <summary>The tool's version once it is known, also for a dump that failed.</summary>
    public ArtifactFacts Facts => _toolVersion is { IsCompletedSuccessfully: true } version
        ? ArtifactFacts.None with { ToolVersion = version.Result }
        : ArtifactFacts.None;

    private string ContainerName => ContainerResolver.NameOf(_container);

    public string Subject => What;

    private string What => Descriptor.Database is null
        ? $"{_command[0]} in container {ContainerName}"
        : $"{_command[0]} of database '{Descriptor.Database}' in container {ContainerName}";

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureRunningAsync("before the dump", cancellationToken);

        // The check's exec and the dump's start together; the dump's output waits in the connection meanwhile.
        // Both are awaited whatever happens, so disposing cleans up whichever started.
        var checkStarted = _check?.StartAsync(cancellationToken) ?? Task.CompletedTask;
        var dumpStarted = _docker.Exec.RunAsync(_container.Id, _command, cancellationToken, new ExecStartOptions { Environment = _environment, StopOnDispose = true, Log = _log });
        try
        {
            await Task.WhenAll(checkStarted, dumpStarted);
        }
        finally
        {
            if (dumpStarted.IsCompletedSuccessfully)
            {
                _process = dumpStarted.Result;
            }
        }

        return _check is null ? _process!.Stdout : _check.Wrap(_process!.Stdout);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        // Asked after a failed open too (to explain it): a dump that never started has nothing more to say.
        var process = _process ?? throw new ArtifactFailedException($"{What} did not start");
        long exit;
        try
        {
            exit = await process.WaitForExitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or TimeoutException)
        {
            await SettleAsync(cancellationToken);
            await EnsureRunningAsync("during the dump", cancellationToken);
            throw new ArtifactFailedException($"{What} was cut off: {ex.Message}", ex);
        }

        if (exit != 0)
        {
            await SettleAsync(cancellationToken);
        }

        await EnsureRunningAsync("during the dump", cancellationToken);
        var stderr = process.Stderr.ToString();
        if (exit == CommandNotFoundExit)
        {
            throw new ArtifactFailedException(
                $"Container {ContainerName} has no {_command[0]} ({(stderr.Length > 0 ? stderr.Trim() : "exit 127")}). Is it the database container? "
                + "The dump runs inside it so that the tool's version matches the server's.");
        }

        if (exit != 0)
        {
            throw new ArtifactFailedException($"{What} exited with code {exit}: {(stderr.Length > 0 ? stderr : "no error output")}");
        }

        if (ErrorLine().Match(stderr) is { Success: true } error)
        {
            throw new ArtifactFailedException($"{What} exited 0 but reported an error: {error.Value.Trim()}");
        }

        if (_check is not null)
        {
            await _check.VerifyAsync(What, cancellationToken);
        }

        if (_toolVersion is not null)
        {
            // A version that could not be asked fails the artifact, as it did when it was asked first.
            await _toolVersion.WaitAsync(cancellationToken);
        }
    }

    public async Task<string?> DiagnoseStallAsync(CancellationToken cancellationToken)
    {
        var state = (await _docker.Containers.TryInspectAsync(_container.Id, cancellationToken))?.State;
        if (state is { Paused: true })
        {
            // A paused container's processes cannot be signalled by exec; the agent does not unpause it behind the
            // operator's back. Closing the connection is enough: once unpaused, the tool writes into a closed stream and ends.
            return $"container {ContainerName} is paused. The dump was abandoned; {_command[0]} ends in the container "
                + $"once it is unpaused (docker unpause {ContainerName}).";
        }

        return state is { Running: true }
            ? $"container {ContainerName} is running and not paused, so the database itself stopped answering (waiting for a lock, or an overloaded server or disk)."
            : $"container {ContainerName} is not running ({state?.Status ?? "removed"}).";
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        if (_check is not null)
        {
            await _check.DisposeAsync();
        }
    }

    /// <summary>
    /// A tool whose container dies under it (docker kill, docker stop, OOM) ends before the engine reports the
    /// container stopped: killed by a signal, or on its own with an error about the server it lost (pg_dump exits 1
    /// with "server closed the connection unexpectedly" when the server, the container's first process, is killed
    /// first). Waiting a moment for the engine lets the error name the real cause, not just an exit code; a tool
    /// that failed in a running container costs at most this bound more.
    /// </summary>
    private async Task SettleAsync(CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(SettleBound);
        try
        {
            await _docker.Containers.WaitAsync(_container.Id, bound.Token);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Still running (the tool itself failed) or already gone: EnsureRunningAsync tells which.
        }
    }

    private async Task EnsureRunningAsync(string when, CancellationToken cancellationToken)
    {
        var state = await _docker.Containers.TryInspectAsync(_container.Id, cancellationToken);
        if (state?.State is { Running: true, Paused: true })
        {
            throw new ArtifactFailedException(
                $"Container {ContainerName} is paused {when} of {(Descriptor.Database is null ? "its dump" : $"database '{Descriptor.Database}'")}: "
                + $"nothing can run in it. Unpause it (docker unpause {ContainerName}) and run the job again.");
        }

        if (state?.State is not { Running: true })
        {
            var status = state?.State?.Status ?? "removed";
            throw new ArtifactFailedException(
                $"Container {ContainerName} is not running ({status}) {when} of {(Descriptor.Database is null ? "its dump" : $"database '{Descriptor.Database}'")}. "
                + "Databases are dumped from running containers: start it and run the job again.");
        }
    }

    // pg_dump, mysqldump and friends print errors with these prefixes; warnings pass.
    [GeneratedRegex(@"^.*\b(error|ERROR|FATAL|PANIC):.*$", RegexOptions.Multiline)]
    private static partial Regex ErrorLine();
}

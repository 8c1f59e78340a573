using System.Text.Json;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker;

internal sealed class ExecOperations
{
    private readonly DockerClient _client;

    internal ExecOperations(DockerClient client) => _client = client;

    /// <summary>The client these execs run through; stopping one asks about its container.</summary>
    internal DockerClient Client => _client;

    public async Task<string> CreateAsync(string containerId, ExecCreateRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var created = await _client.PostJsonAsync(
            $"/containers/{Uri.EscapeDataString(containerId)}/exec",
            request,
            DockerJsonContext.Default.ExecCreateRequest,
            DockerJsonContext.Default.IdResponse,
            $"run '{(request.Cmd.Count > 0 ? request.Cmd[0] : string.Empty)}' in container {containerId}",
            cancellationToken);
        return created.Id;
    }

    /// <summary>Starts the exec and hands over its connection: multiplexed output to read, stdin to write.</summary>
    public Task<HijackedStream> StartAsync(string execId, CancellationToken cancellationToken) =>
        _client.HijackAsync(
            $"/exec/{Uri.EscapeDataString(execId)}/start",
            JsonSerializer.SerializeToUtf8Bytes(new ExecStartRequest { Detach = false, Tty = false }, DockerJsonContext.Default.ExecStartRequest),
            $"start exec {execId}",
            cancellationToken);

    public Task<ExecInspect> InspectAsync(string execId, CancellationToken cancellationToken) =>
        _client.GetJsonAsync($"/exec/{Uri.EscapeDataString(execId)}/json", DockerJsonContext.Default.ExecInspect, $"inspect exec {execId}", cancellationToken);

    /// <summary>Creates and starts a command in a running container; see <see cref="ExecProcess"/>.</summary>
    public async Task<ExecProcess> RunAsync(
        string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new ExecStartOptions();

        // A stoppable command carries a marker in its environment, which every process it starts inherits.
        var marker = options.StopOnDispose ? $"{ExecProcess.MarkerVariable}={Guid.NewGuid():N}" : null;
        var execId = await CreateAsync(
            containerId,
            new ExecCreateRequest
            {
                Cmd = marker is not null ? [.. ExecProcess.PidAnnouncingShell, .. command] : command,
                Env = marker is not null ? [.. options.Environment ?? [], marker] : options.Environment,
                User = options.User,
                WorkingDir = options.WorkingDir,
                AttachStdin = options.Stdin,
                AttachStdout = true,
                AttachStderr = true,
            },
            cancellationToken);
        var connection = await StartAsync(execId, cancellationToken);
        return new ExecProcess(this, containerId, execId, command[0], connection, options.StderrSink, marker);
    }
}

internal sealed class ExecStartOptions
{
    /// <summary>Variables as NAME=value; the place for secrets, which never go on a command line.</summary>
    public IReadOnlyList<string>? Environment { get; init; }

    public string? User { get; init; }

    public string? WorkingDir { get; init; }

    public bool Stdin { get; init; }

    public Action<ReadOnlySpan<byte>>? StderrSink { get; init; }

    /// <summary>
    /// Make the command stoppable (<see cref="ExecProcess.StopAsync"/>) and stop it when the process is disposed
    /// before it ended. The engine does not end an exec whose client went away (it blocks writing to a pipe nobody
    /// reads): a dump abandoned so would hold its database transaction open. Needs <c>sh</c> in the container, which
    /// announces the command's pid; the command's environment gets a marker its processes inherit.
    /// </summary>
    public bool StopOnDispose { get; init; }
}

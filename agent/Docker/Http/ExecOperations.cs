using System.Text.Json;
using Serilog;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

internal sealed class ExecOperations : IExecOperations
{
    private readonly DockerTransport _client;

    internal ExecOperations(DockerTransport client, ContainerOperations containers, ILogger log)
    {
        _client = client;
        Containers = containers;
        Log = log;
    }

    /// <summary>The containers these execs run in; stopping one asks about its container.</summary>
    internal ContainerOperations Containers { get; }

    /// <summary>The engine's logger, for a process whose options name none.</summary>
    internal ILogger Log { get; }

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
        return new ExecProcess(this, containerId, execId, command[0], connection, options.StderrSink, marker, options.Log ?? Log);
    }

    async Task<IExecProcess> IExecOperations.RunAsync(
        string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options) =>
        await RunAsync(containerId, command, cancellationToken, options);
}

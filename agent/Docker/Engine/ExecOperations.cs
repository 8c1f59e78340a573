using Docker.DotNet.Models;
using Serilog;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Engine;

/// <summary>Commands in running containers through the library's exec calls: created, started with stdio attached, inspected.</summary>
internal sealed class ExecOperations : IExecOperations
{
    private readonly EngineConnection _engine;

    internal ExecOperations(EngineConnection engine, ContainerOperations containers, ILogger log)
    {
        _engine = engine;
        Containers = containers;
        Log = log;
    }

    /// <summary>The containers these execs run in; stopping one asks about its container.</summary>
    internal ContainerOperations Containers { get; }

    /// <summary>The engine's logger, for a process whose options name none.</summary>
    internal ILogger Log { get; }

    public async Task<ExecInspect> InspectAsync(string execId, CancellationToken cancellationToken)
    {
        var inspect = await _engine.CallAsync(
            $"inspect exec {execId}", idempotent: true, (c, ct) => c.Exec.InspectContainerExecAsync(execId, ct), cancellationToken);
        return new ExecInspect
        {
            ID = inspect.ID,
            Running = inspect.Running,
            ExitCode = inspect.ExitCode,
            Pid = checked((int)inspect.Pid),
            ContainerID = inspect.ContainerID,
            Entrypoint = inspect.ProcessConfig?.Entrypoint,
            Arguments = inspect.ProcessConfig?.Arguments?.ToList(),
        };
    }

    /// <summary>Creates and starts a command in a running container; see <see cref="ExecProcess"/>.</summary>
    public async Task<ExecProcess> RunAsync(
        string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new ExecStartOptions();

        // A stoppable command carries a marker in its environment, which every process it starts inherits; its tag
        // (the marker's value) is also the announcing shell's $0, so an agent started later sees it (ExecTags).
        var tag = options.StopOnDispose ? ExecTags.New() : null;
        var marker = tag is not null ? $"{ExecProcess.MarkerVariable}={tag}" : null;
        var create = new ContainerExecCreateParameters
        {
            Cmd = tag is not null ? [.. ExecProcess.PidAnnouncingShell(tag), .. command] : command.ToList(),
            Env = (marker is not null ? [.. options.Environment ?? [], marker] : options.Environment?.ToList())!,
            User = options.User ?? string.Empty,
            WorkingDir = options.WorkingDir ?? string.Empty,
            AttachStdin = options.Stdin,
            AttachStdout = true,
            AttachStderr = true,
        };
        var created = await _engine.CallAsync(
            $"run '{(command.Count > 0 ? command[0] : string.Empty)}' in container {containerId}",
            idempotent: false,
            (c, ct) => c.Exec.CreateContainerExecAsync(containerId, create, ct),
            cancellationToken);
        var connection = await ExecStart.StartAsync(_engine, created.ID, options.Stdin, $"start exec {created.ID}", cancellationToken);
        return new ExecProcess(this, containerId, created.ID, command[0], connection, options.StderrSink, marker, options.Log ?? Log);
    }

    /// <summary>The stoppable execs an agent started that run in the container now, with their tags.</summary>
    public async Task<IReadOnlyList<TaggedExec>> ListTaggedAsync(string containerId, CancellationToken cancellationToken)
    {
        var found = new List<TaggedExec>();
        foreach (var execId in (await Containers.InspectAsync(containerId, cancellationToken)).ExecIds ?? [])
        {
            ExecInspect exec;
            try
            {
                exec = await InspectAsync(execId, cancellationToken);
            }
            catch (DockerApiException ex) when (ex.IsNotFound)
            {
                continue;
            }

            if (exec.Running && ExecTags.TryRead(exec, out var owner, out var tag, out var program))
            {
                found.Add(new TaggedExec(containerId, execId, owner, tag, program));
            }
        }

        return found;
    }

    /// <summary>Ends a tagged exec and every process it started, as <see cref="ExecProcess.StopAsync"/> does.</summary>
    public Task<ExecStopReport> StopTaggedAsync(TaggedExec exec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exec);
        return ExecStopper.StopAsync(this, exec.ContainerId, exec.ExecId, exec.Program, null, $"{ExecProcess.MarkerVariable}={exec.Tag}", cancellationToken);
    }

    async Task<IReadOnlyList<TaggedExec>> IExecOperations.ListTaggedAsync(string containerId, CancellationToken cancellationToken) =>
        await ListTaggedAsync(containerId, cancellationToken);

    Task<ExecStopReport> IExecOperations.StopTaggedAsync(TaggedExec exec, CancellationToken cancellationToken) => StopTaggedAsync(exec, cancellationToken);

    async Task<IExecProcess> IExecOperations.RunAsync(
        string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options) =>
        await RunAsync(containerId, command, cancellationToken, options);
}

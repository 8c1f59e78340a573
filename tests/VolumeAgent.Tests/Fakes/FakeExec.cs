using System.Text;
using VolumeAgent.Docker;

namespace VolumeAgent.Tests.Fakes;

/// <summary>
/// The execs of the <see cref="FakeDockerEngine"/>: each command is answered by the handler added last that takes it
/// (so a test overrides what its class set up); a command no handler takes exits 127, as the shell does for a program
/// it cannot find.
/// </summary>
internal sealed class FakeExec : IExecOperations
{
    private readonly FakeDockerEngine _engine;
    private readonly List<(Func<ExecCall, bool> Matches, Func<ExecCall, ExecReply> Reply)> _handlers = [];

    public FakeExec(FakeDockerEngine engine) => _engine = engine;

    /// <summary>Answers commands in container <paramref name="container"/> whose program is <paramref name="program"/>.</summary>
    public FakeExec On(string container, string program, Func<ExecCall, ExecReply> reply)
    {
        _handlers.Insert(0, (call => call.Container == container && call.Command[0] == program, reply));
        return this;
    }

    public FakeExec On(string container, string program, ExecReply reply) => On(container, program, _ => reply);

    public Task<IExecProcess> RunAsync(string containerId, IReadOnlyList<string> command, CancellationToken cancellationToken, ExecStartOptions? options = null)
    {
        var container = _engine.Containers.Find(containerId)
            ?? throw FakeDockerEngine.NotFound($"run '{command[0]}' in container {containerId}", $"container: {containerId}");
        if (!container.Running)
        {
            throw new DockerApiException($"run '{command[0]}' in container {containerId}", System.Net.HttpStatusCode.Conflict, $"Container {containerId} is not running");
        }

        var call = new ExecCall(container.Name, command, options?.Environment ?? []);
        _engine.Record($"exec {container.Name}: {string.Join(' ', command)}");
        var reply = _handlers.FirstOrDefault(h => h.Matches(call)).Reply?.Invoke(call)
            ?? ExecReply.Exit(127, stderr: $"sh: {command[0]}: not found");
        return Task.FromResult<IExecProcess>(new FakeExecProcess(container.Id, command[0], reply));
    }
}

/// <summary>A command the agent ran: the container's name, the command, and its environment (NAME=value).</summary>
internal sealed record ExecCall(string Container, IReadOnlyList<string> Command, IReadOnlyList<string> Environment);

/// <summary>What a fake command writes and how it exits.</summary>
internal sealed record ExecReply(byte[] Stdout, string Stderr, long ExitCode)
{
    public static ExecReply Ok(string stdout) => new(Encoding.UTF8.GetBytes(stdout), string.Empty, 0);

    public static ExecReply Ok(byte[] stdout) => new(stdout, string.Empty, 0);

    public static ExecReply Exit(long code, string stdout = "", string stderr = "") => new(Encoding.UTF8.GetBytes(stdout), stderr, code);
}

/// <summary>A finished fake command: its output is there to read, its stdin swallows what it is given.</summary>
internal sealed class FakeExecProcess : IExecProcess
{
    private readonly long _exitCode;

    public FakeExecProcess(string containerId, string program, ExecReply reply)
    {
        ContainerId = containerId;
        Program = program;
        _exitCode = reply.ExitCode;
        Stdout = new MemoryStream(reply.Stdout, writable: false);
        Stderr = new OutputTail();
        Stderr.Append(Encoding.UTF8.GetBytes(reply.Stderr));
    }

    public string ContainerId { get; }

    public string Program { get; }

    public Stream Stdout { get; }

    public OutputTail Stderr { get; }

    public Stream Stdin { get; } = new MemoryStream();

    public bool StdinClosed { get; private set; }

    public void CloseStdin() => StdinClosed = true;

    public Task DrainAsync(CancellationToken cancellationToken) => Stdout.CopyToAsync(Stream.Null, cancellationToken);

    public async Task<long> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        return _exitCode;
    }

    public Task<long> WaitForExitAsync(bool drainOutput, CancellationToken cancellationToken) =>
        drainOutput ? WaitForExitAsync(cancellationToken) : Task.FromResult(_exitCode);

    public Task<ExecStopReport> StopAsync(CancellationToken cancellationToken) => Task.FromResult(new ExecStopReport(0, 0, ContainerGone: false));

    public async ValueTask DisposeAsync()
    {
        await Stdout.DisposeAsync();
        await Stdin.DisposeAsync();
    }
}

namespace VolumeAgent.Docker.Models;

internal sealed class ExecCreateRequest
{
    public required IReadOnlyList<string> Cmd { get; init; }

    public IReadOnlyList<string>? Env { get; init; }

    public string? User { get; init; }

    public string? WorkingDir { get; init; }

    public bool AttachStdin { get; init; }

    public bool AttachStdout { get; init; }

    public bool AttachStderr { get; init; }

    public bool Tty { get; init; }
}

internal sealed class IdResponse
{
    public required string Id { get; init; }
}

internal sealed class ExecStartRequest
{
    public bool Detach { get; init; }

    public bool Tty { get; init; }
}

internal sealed class ExecInspect
{
    public string? ID { get; init; }

    public bool Running { get; init; }

    public long? ExitCode { get; init; }

    public int Pid { get; init; }

    public string? ContainerID { get; init; }
}

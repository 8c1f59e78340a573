namespace VolumeAgent.Docker.Models;

internal sealed class ExecInspect
{
    public string? ID { get; init; }

    public bool Running { get; init; }

    public long? ExitCode { get; init; }

    public int Pid { get; init; }

    public string? ContainerID { get; init; }
}

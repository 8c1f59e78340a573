namespace VolumeAgent.Docker.Models;

internal sealed class ExecInspect
{
    public string? ID { get; init; }

    public bool Running { get; init; }

    public long? ExitCode { get; init; }

    public int Pid { get; init; }

    public string? ContainerID { get; init; }

    /// <summary>The exec's program, as it was created.</summary>
    public string? Entrypoint { get; init; }

    /// <summary>The exec's arguments after its program, as it was created.</summary>
    public IReadOnlyList<string>? Arguments { get; init; }
}

using VolumeAgent.Manifest;

namespace VolumeAgent.Operations;

/// <summary>
/// What a front door asks of a run beyond its job and trigger: the run's id, chosen before the run starts so the
/// caller can name it at once (the HTTP API answers with it), and an optional tag (<see cref="RunTag"/>).
/// </summary>
internal sealed record RunOrder
{
    public RunId RunId { get; init; } = RunId.New();

    public string? Tag { get; init; }
}

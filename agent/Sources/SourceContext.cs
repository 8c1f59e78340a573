using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources;

/// <summary>
/// What every source of one run shares: the engine, the helper image, and the labels of the run. A helper image the
/// engine lacks is pulled when creating a helper from it fails for that reason (Shared/Helpers/HelperContainer).
/// </summary>
internal sealed class SourceContext
{
    public required IDockerEngine Docker { get; init; }

    public required string HelperImage { get; init; }

    public required string Job { get; init; }

    public required string RunId { get; init; }

    /// <summary>The agent process's instance id, so a later start can tell orphans from live work.</summary>
    public required string InstanceId { get; init; }

    public required ContainerResolver Containers { get; init; }

    /// <summary>The run's (or the command's) logger: its lines carry the job and the run id.</summary>
    public required ILogger Log { get; init; }

    public Dictionary<string, string> HelperLabels(string role = "helper")
    {
        var labels = AgentLabels.For(RunId, role, Job);
        labels[AgentLabels.Instance] = InstanceId;
        return labels;
    }
}

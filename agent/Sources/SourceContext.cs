using VolumeAgent.Docker;

namespace VolumeAgent.Sources;

/// <summary>What every source of one run shares: the engine, the helper image, and the labels of the run.</summary>
internal sealed class SourceContext
{
    public required DockerClient Docker { get; init; }

    public required string HelperImage { get; init; }

    public required string Job { get; init; }

    public required string RunId { get; init; }

    /// <summary>The agent process's instance id, so a later start can tell orphans from live work.</summary>
    public required string InstanceId { get; init; }

    public required ContainerResolver Containers { get; init; }

    private readonly Lock _gate = new();
    private Task? _helperImage;

    /// <summary>Pulls the helper image once per run, when the engine does not have it.</summary>
    public Task EnsureHelperImageAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_helperImage is null || _helperImage.IsFaulted || _helperImage.IsCanceled)
            {
                _helperImage = PullHelperAsync(cancellationToken);
            }

            return _helperImage;
        }
    }

    private async Task PullHelperAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Docker.Images.EnsureAsync(HelperImage, null, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new ArtifactFailedException(
                $"The helper image {HelperImage} is not on this engine and could not be pulled: {ex.EngineMessage ?? ex.Message}. "
                + "Pull or load it (docker pull / docker load), or set helper_image in backup.yml to an image the engine has.",
                ex);
        }
    }

    public Dictionary<string, string> HelperLabels(string role = "helper")
    {
        var labels = AgentLabels.For(RunId, role, Job);
        labels[AgentLabels.Instance] = InstanceId;
        return labels;
    }
}

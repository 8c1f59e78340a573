using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources;

/// <summary>What every source of one run shares: the engine, the helper image, and the labels of the run.</summary>
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

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task> _images = new(StringComparer.Ordinal);

    /// <summary>Pulls a helper image once per run, when the engine does not have it.</summary>
    public Task EnsureImageAsync(string image, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_images.TryGetValue(image, out var task) || task.IsFaulted || task.IsCanceled)
            {
                _images[image] = task = PullAsync(image, cancellationToken);
            }

            return task;
        }
    }

    private async Task PullAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            await Docker.Images.EnsureAsync(image, null, cancellationToken);
        }
        catch (DockerApiException ex)
        {
            throw new ArtifactFailedException(
                $"The helper image {image} is not on this engine and could not be pulled: {ex.EngineMessage ?? ex.Message}. "
                + "Pull or load it (docker pull / docker load), or name an image the engine has in backup.yml.",
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

using VolumeAgent.Docker.Models;
using Lib = Docker.DotNet.Models;

namespace VolumeAgent.Docker.Engine;

/// <summary>Named volumes through the library's volume calls.</summary>
internal sealed class VolumeOperations : IVolumeOperations
{
    private readonly EngineConnection _engine;

    internal VolumeOperations(EngineConnection engine) => _engine = engine;

    public async Task<IReadOnlyList<VolumeInfo>> ListAsync(
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? labels = null, string? name = null)
    {
        var filters = ModelMapping.Filters(labels, name is null ? [] : [("name", name)]);
        var answer = await _engine.CallAsync(
            "list volumes", idempotent: true, (c, ct) => c.Volumes.ListAsync(new Lib.VolumesListParameters { Filters = filters }, ct), cancellationToken);
        return answer.Volumes?.Select(ModelMapping.FromLibrary).ToList() ?? [];
    }

    public async Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) =>
        ModelMapping.FromLibrary(await _engine.CallAsync(
            $"inspect volume {name}", idempotent: true, (c, ct) => c.Volumes.InspectAsync(name, ct), cancellationToken));

    public async Task<VolumeInfo?> TryInspectAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await InspectAsync(name, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public async Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        var request = new Lib.VolumesCreateParameters { Name = name, Labels = labels?.ToDictionary(StringComparer.Ordinal)! };
        return ModelMapping.FromLibrary(await _engine.CallAsync(
            $"create volume {name}", idempotent: false, (c, ct) => c.Volumes.CreateAsync(request, ct), cancellationToken));
    }

    /// <summary>Removes the volume; one already gone counts as removed.</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken, bool force = false)
    {
        try
        {
            await _engine.CallAsync($"remove volume {name}", idempotent: true, (c, ct) => c.Volumes.RemoveAsync(name, force, ct), cancellationToken);
        }
        catch (DockerApiException ex) when (ex.IsNotFound)
        {
        }
    }
}

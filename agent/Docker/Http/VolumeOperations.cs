using System.Net;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

internal sealed class VolumeOperations : IVolumeOperations
{
    private readonly DockerTransport _client;

    internal VolumeOperations(DockerTransport client) => _client = client;

    public async Task<IReadOnlyList<VolumeInfo>> ListAsync(
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? labels = null, string? name = null)
    {
        var extra = name is null ? [] : new[] { ("name", name) };
        var answer = await _client.GetJsonAsync(
            "/volumes" + DockerClient.Query(("filters", DockerClient.LabelFilters(labels, extra))),
            DockerJsonContext.Default.VolumeListResponse,
            "list volumes",
            cancellationToken);
        return answer.Volumes ?? [];
    }

    public Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) =>
        _client.GetJsonAsync($"/volumes/{Uri.EscapeDataString(name)}", DockerJsonContext.Default.VolumeInfo, $"inspect volume {name}", cancellationToken);

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

    public Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken) =>
        _client.PostJsonAsync(
            "/volumes/create",
            new VolumeCreateRequest { Name = name, Labels = labels },
            DockerJsonContext.Default.VolumeCreateRequest,
            DockerJsonContext.Default.VolumeInfo,
            $"create volume {name}",
            cancellationToken);

    /// <summary>Removes the volume; one already gone counts as removed.</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken, bool force = false)
    {
        using var _ = await _client.SendAsync(
            HttpMethod.Delete,
            $"/volumes/{Uri.EscapeDataString(name)}" + DockerClient.Query(("force", force ? "1" : "0")),
            null,
            $"remove volume {name}",
            idempotent: true,
            cancellationToken,
            HttpStatusCode.NotFound);
    }
}

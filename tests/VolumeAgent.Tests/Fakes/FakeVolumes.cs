using System.Collections.Concurrent;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Tests.Fakes;

/// <summary>The named volumes of the <see cref="FakeDockerEngine"/>.</summary>
internal sealed class FakeVolumes : IVolumeOperations
{
    private readonly FakeDockerEngine _engine;
    private readonly ConcurrentDictionary<string, VolumeInfo> _volumes = new(StringComparer.Ordinal);

    public FakeVolumes(FakeDockerEngine engine) => _engine = engine;

    public void Add(string name, IReadOnlyDictionary<string, string>? labels = null) =>
        _volumes[name] = new VolumeInfo { Name = name, Driver = "local", Labels = labels };

    public bool Contains(string name) => _volumes.ContainsKey(name);

    public Task<IReadOnlyList<VolumeInfo>> ListAsync(
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? labels = null, string? name = null)
    {
        IReadOnlyList<VolumeInfo> matches = _volumes.Values
            .Where(v => name is null || v.Name.Contains(name, StringComparison.Ordinal))
            .Where(v => labels is null || labels.All(l => v.Labels?.TryGetValue(l.Key, out var value) == true && (l.Value is null || l.Value == value)))
            .ToList();
        return Task.FromResult(matches);
    }

    public Task<VolumeInfo> InspectAsync(string name, CancellationToken cancellationToken) =>
        _volumes.TryGetValue(name, out var volume)
            ? Task.FromResult(volume)
            : throw FakeDockerEngine.NotFound($"inspect volume {name}", $"volume: {name}");

    public Task<VolumeInfo?> TryInspectAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(_volumes.GetValueOrDefault(name));

    public Task<VolumeInfo> CreateAsync(string name, IReadOnlyDictionary<string, string>? labels, CancellationToken cancellationToken)
    {
        _engine.Record($"create volume {name}");
        Add(name, labels);
        return Task.FromResult(_volumes[name]);
    }

    public Task RemoveAsync(string name, CancellationToken cancellationToken, bool force = false)
    {
        if (_volumes.TryRemove(name, out _))
        {
            _engine.Record($"remove volume {name}");
        }

        return Task.CompletedTask;
    }
}

/// <summary>The images of the <see cref="FakeDockerEngine"/>: every image is there, and none is ever pulled.</summary>
internal sealed class FakeImages : IImageOperations
{
    private readonly FakeDockerEngine _engine;

    public FakeImages(FakeDockerEngine engine) => _engine = engine;

    public Task<ImageInspect> InspectAsync(string reference, CancellationToken cancellationToken) =>
        Task.FromResult(new ImageInspect { Id = "sha256:" + reference, RepoTags = [reference] });

    public async Task<ImageInspect?> TryInspectAsync(string reference, CancellationToken cancellationToken) =>
        await InspectAsync(reference, cancellationToken);

    public Task<IReadOnlyList<ImageSummary>> ListAsync(CancellationToken cancellationToken, string? reference = null) =>
        Task.FromResult<IReadOnlyList<ImageSummary>>([]);

    public Task PullAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The fake engine has every image; nothing is pulled.");

    public Task<ImageInspect> EnsureAsync(string reference, IProgress<ProgressMessage>? progress, CancellationToken cancellationToken)
    {
        _engine.Record($"ensure image {reference}");
        return InspectAsync(reference, cancellationToken);
    }

    public Task RemoveAsync(string reference, CancellationToken cancellationToken, bool force = false) => Task.CompletedTask;
}

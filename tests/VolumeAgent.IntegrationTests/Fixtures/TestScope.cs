using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// What one test creates in the engine, removed (service containers started through Testcontainers, then
/// containers forcibly, then volumes, then image tags) when the scope is disposed, pass or fail. Disposal never throws, so it cannot hide the test's own failure;
/// what it could not remove is reported to the test output and swept by <see cref="DockerFixture"/> at the end.
/// </summary>
internal sealed class TestScope : IAsyncDisposable
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);
    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper? _output;
    private readonly List<string> _containers = [];
    private readonly List<string> _volumes = [];
    private readonly List<string> _images = [];
    private readonly List<IAsyncDisposable> _services = [];
    private readonly Lock _gate = new();
    private int _disposed;

    internal TestScope(DockerFixture fixture, ITestOutputHelper? output)
    {
        _fixture = fixture;
        _output = output;
    }

    public DockerClient Client => _fixture.Client;

    public DockerFixture Fixture => _fixture;

    /// <summary>Creates a labelled volume with a unique name starting va-test-PREFIX.</summary>
    public async Task<string> CreateVolumeAsync(string prefix, CancellationToken cancellationToken, params (string Key, string Value)[] extraLabels)
    {
        var name = _fixture.UniqueName(prefix);
        Track(_volumes, name);
        await Client.Volumes.CreateAsync(new VolumesCreateParameters { Name = name, Labels = _fixture.LabelsWith(extraLabels) }, cancellationToken);
        return name;
    }

    /// <summary>Creates a container; its request must carry this run's labels (use <see cref="DockerFixture.LabelsWith"/>).</summary>
    public async Task<string> CreateContainerAsync(CreateContainerParameters request, CancellationToken cancellationToken, string? name = null)
    {
        _fixture.EnsureLabelled(request);
        request.Name = name;
        try
        {
            var id = (await Client.Containers.CreateContainerAsync(request, cancellationToken)).ID;
            Track(_containers, id);
            return id;
        }
        catch (DockerApiException ex) when (ex.IsNotFound() && ex.ResponseBody?.Contains("image", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new InvalidOperationException(DockerFixture.MissingImageMessage(request.Image), ex);
        }
    }

    /// <summary>Creates and starts a container.</summary>
    public async Task<string> RunContainerAsync(CreateContainerParameters request, CancellationToken cancellationToken, string? name = null)
    {
        var id = await CreateContainerAsync(request, cancellationToken, name);
        await Client.StartAsync(id, cancellationToken);
        return id;
    }

    /// <summary>
    /// Remembers a service container of Testcontainers (already carrying this run's labels), to dispose of first at the
    /// end, whatever the test's outcome; once it is created, <see cref="TrackContainer"/> makes sure it is removed too.
    /// </summary>
    public void TrackService(IAsyncDisposable container) => Track(_services, container);

    /// <summary>Removes the container <paramref name="id"/> (forcibly, with its anonymous volumes) at the end.</summary>
    public void TrackContainer(string id) => Track(_containers, id);

    /// <summary>
    /// A helper that sleeps until removed, for exec tests: no network, no logs, root, optional mounts.
    /// </summary>
    public Task<string> StartSleeperAsync(CancellationToken cancellationToken, IList<Mount>? mounts = null, string image = TestImages.Helper) =>
        RunContainerAsync(
            new CreateContainerParameters
            {
                Image = image,
                Entrypoint = ["sleep"],
                Cmd = ["3600"],
                Labels = _fixture.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", LogConfig = new LogConfig { Type = "none" }, Mounts = mounts },
            },
            cancellationToken);

    /// <summary>
    /// Creates a container, attaches before starting it (so no output is missed, whatever its log driver), and
    /// returns its exit code, stdout and stderr once it ends.
    /// </summary>
    public async Task<ContainerResult> RunToCompletionAsync(CreateContainerParameters request, CancellationToken cancellationToken)
    {
        var id = await CreateContainerAsync(request, cancellationToken);
        using var attach = await Client.Containers.AttachContainerAsync(
            id, new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken);
        await Client.StartAsync(id, cancellationToken);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        await attach.CopyOutputToAsync(Stream.Null, stdout, stderr, cancellationToken);
        var exit = await Client.Containers.WaitContainerAsync(id, cancellationToken);
        return new ContainerResult(id, exit.StatusCode, Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    /// <summary>Untags <paramref name="reference"/> at the end (never forced: only the tag goes).</summary>
    public void TrackImage(string reference)
    {
        Track(_images, reference);
        _fixture.TrackImage(reference);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(CleanupTimeout);
        string[] containers, volumes, images;
        IAsyncDisposable[] services;
        lock (_gate)
        {
            services = [.. _services];
            containers = [.. _containers];
            volumes = [.. _volumes];
            images = [.. _images];
        }

        foreach (var service in services)
        {
            await TryAsync("dispose of a service container", () => service.DisposeAsync().AsTask());
        }

        foreach (var id in containers)
        {
            await TryAsync($"remove container {id}", () => Client.RemoveContainerForcedAsync(id, timeout.Token));
        }

        foreach (var name in volumes)
        {
            await TryAsync($"remove volume {name}", () => Client.RemoveVolumeForcedAsync(name, timeout.Token));
        }

        foreach (var image in images)
        {
            await TryAsync($"untag image {image}", async () =>
            {
                await Client.UntagImageAsync(image, timeout.Token);
                _fixture.ForgetImage(image);
            });
        }
    }

    private void Track<T>(List<T> list, T item)
    {
        lock (_gate)
        {
            list.Add(item);
        }
    }

    private async Task TryAsync(string what, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or OperationCanceledException or IOException or TimeoutException)
        {
            // The fixture's sweep at the end of the run removes it by label; the test's own outcome stands.
            _output?.WriteLine($"cleanup: could not {what}: {ex.Message}");
        }
    }
}

/// <summary>How a container run ended and what it printed.</summary>
internal sealed record ContainerResult(string Id, long ExitCode, string Stdout, string Stderr);

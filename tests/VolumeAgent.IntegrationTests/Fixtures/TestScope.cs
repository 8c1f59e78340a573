using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Http;
using VolumeAgent.Docker.Models;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// What one test creates in the engine, removed (containers forcibly, then volumes, then image tags) when
/// the scope is disposed, pass or fail. Disposal never throws, so it cannot hide the test's own failure;
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
        await Client.Volumes.CreateAsync(name, _fixture.LabelsWith(extraLabels), cancellationToken);
        return name;
    }

    /// <summary>Creates a container; its request must carry this run's labels (use <see cref="DockerFixture.LabelsWith"/>).</summary>
    public async Task<string> CreateContainerAsync(ContainerCreateRequest request, CancellationToken cancellationToken, string? name = null)
    {
        _fixture.EnsureLabelled(request);
        try
        {
            var id = await Client.Containers.CreateAsync(request, name, cancellationToken);
            Track(_containers, id);
            return id;
        }
        catch (DockerApiException ex) when (ex.IsNotFound && ex.EngineMessage?.Contains("image", StringComparison.OrdinalIgnoreCase) == true)
        {
            throw new InvalidOperationException(DockerFixture.MissingImageMessage(request.Image), ex);
        }
    }

    /// <summary>Creates and starts a container.</summary>
    public async Task<string> RunContainerAsync(ContainerCreateRequest request, CancellationToken cancellationToken, string? name = null)
    {
        var id = await CreateContainerAsync(request, cancellationToken, name);
        await Client.Containers.StartAsync(id, cancellationToken);
        return id;
    }

    /// <summary>
    /// A helper that sleeps until removed, for exec tests: no network, no logs, root, optional mounts.
    /// </summary>
    public Task<string> StartSleeperAsync(CancellationToken cancellationToken, IReadOnlyList<MountSpec>? mounts = null, string image = TestImages.Helper) =>
        RunContainerAsync(
            new ContainerCreateRequest
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
    public async Task<ContainerResult> RunToCompletionAsync(ContainerCreateRequest request, CancellationToken cancellationToken)
    {
        var id = await CreateContainerAsync(request, cancellationToken);
        await using var attach = await Client.Containers.AttachAsync(id, stdin: false, cancellationToken);
        await Client.Containers.StartAsync(id, cancellationToken);
        var stderr = new OutputTail(64 * 1024);
        await using var stdout = new StdoutStream(attach, stderr);
        using var reader = new StreamReader(stdout, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(cancellationToken);
        var exit = await Client.Containers.WaitAsync(id, cancellationToken);
        return new ContainerResult(id, exit.StatusCode, text, stderr.ToString());
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
        lock (_gate)
        {
            containers = [.. _containers];
            volumes = [.. _volumes];
            images = [.. _images];
        }

        foreach (var id in containers)
        {
            await TryAsync($"remove container {id}", () => Client.Containers.RemoveAsync(id, timeout.Token, force: true, removeVolumes: true));
        }

        foreach (var name in volumes)
        {
            await TryAsync($"remove volume {name}", () => Client.Volumes.RemoveAsync(name, timeout.Token, force: true));
        }

        foreach (var image in images)
        {
            await TryAsync($"untag image {image}", async () =>
            {
                await Client.Images.RemoveAsync(image, timeout.Token);
                _fixture.ForgetImage(image);
            });
        }
    }

    private void Track(List<string> list, string item)
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
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or OperationCanceledException or IOException)
        {
            // The fixture's sweep at the end of the run removes it by label; the test's own outcome stands.
            _output?.WriteLine($"cleanup: could not {what}: {ex.Message}");
        }
    }
}

/// <summary>How a container run ended and what it printed.</summary>
internal sealed record ContainerResult(string Id, long ExitCode, string Stdout, string Stderr);

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// One engine client for each collection of Fixtures/DockerTests.cs: the library client of <see cref="TestDockerClient"/>, not the
/// agent's engine layer (which only the tests of that layer reach, through <c>Engine</c>). Everything a test creates
/// carries this run's labels, so that the end of the run (and the start of the next, after a crash) can find and
/// remove it: the label sweep stands in for Testcontainers' Ryuk, which is disabled here. When the engine
/// does not answer, initialisation throws and every test of the collection fails with the fix in its message:
/// CI must go red, not quietly skip, when the engine is down.
/// </summary>
public sealed partial class DockerFixture : IAsyncLifetime
{
    public const string OwnerLabel = AgentLabelNames.Owner;
    public const string OwnerValue = "volume-agent-test";
    public const string RunLabel = "io.volume-agent.test-run";

    /// <summary>host/pid/process start (unix ms) of the test process: tells a crashed run from a live one.</summary>
    public const string ProcessLabel = "io.volume-agent.test-process";

    /// <summary>Objects of a run that cannot be traced to a process (another host, no label) are swept after this.</summary>
    private static readonly TimeSpan UntraceableAfter = TimeSpan.FromHours(6);

    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<string, byte> _images = new(StringComparer.Ordinal);
    private DockerClient? _client;
    private IAsyncDisposable? _engine;
    private IReadOnlySet<string>? _danglingAtStart;
    private int _names;
    private bool _ready;

    public DockerFixture()
    {
        TestRunId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using var self = Process.GetCurrentProcess();
        var started = new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
        Labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OwnerLabel] = OwnerValue,
            [RunLabel] = TestRunId,
            [ProcessLabel] = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{started}"),
        };
    }

    /// <summary>Eight hex digits naming this test run.</summary>
    public string TestRunId { get; }

    /// <summary>The labels every object created by this run carries.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>A filter matching exactly this run's objects.</summary>
    internal IReadOnlyDictionary<string, string?> RunFilter => new Dictionary<string, string?>(StringComparer.Ordinal) { [RunLabel] = TestRunId };

    internal DockerClient Client => _client ?? throw new InvalidOperationException("The Docker fixture was not initialised.");

    internal TimeProvider Time { get; } = TimeProvider.System;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(PingTimeout);
        try
        {
            _client = await TestDockerClient.CreateAsync(timeout.Token);
            await _client.System.PingAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            throw new InvalidOperationException(UnreachableMessage(Environment.GetEnvironmentVariable("DOCKER_HOST") ?? "unix:///var/run/docker.sock", ex), ex);
        }

        // Once per test process, before any collection creates anything: the collections run side by side, and one
        // starting later must not sweep (say) a registry tag another collection is about to push.
        using var sweep = new CancellationTokenSource(CleanupTimeout);
        _danglingAtStart = await ProcessStart.GetOrCreate(() => StartProcessAsync(_client, sweep.Token)).WaitAsync(sweep.Token);

        _ready = true;
    }

    public async Task DisposeAsync()
    {
        if (_client is null)
        {
            return;
        }

        try
        {
            if (_ready)
            {
                using var timeout = new CancellationTokenSource(CleanupTimeout);
                var failures = await RemoveRunObjectsAsync(timeout.Token);
                if (failures.Count > 0)
                {
                    throw new AggregateException($"Test run {TestRunId} could not remove everything it created.", failures);
                }

                if (_danglingAtStart is not null && await AnonymousVolumes.NewSinceAsync(_client, _danglingAtStart, timeout.Token) is { Count: > 0 } leaked)
                {
                    throw new InvalidOperationException(AnonymousVolumes.Describe(leaked, $"test run {TestRunId}"));
                }
            }
        }
        finally
        {
            if (_engine is not null)
            {
                await _engine.DisposeAsync();
            }

            _client.Dispose();
        }
    }

    /// <summary>
    /// A labelled volume with a unique name, living until the end of the run (for objects shared by a class of
    /// tests); a single test's objects belong in <see cref="CreateScope"/>, which removes them when the test ends.
    /// </summary>
    internal async Task<string> CreateVolumeAsync(string prefix, CancellationToken cancellationToken, params (string Key, string Value)[] extraLabels)
    {
        var name = UniqueName(prefix);
        await Client.Volumes.CreateAsync(new VolumesCreateParameters { Name = name, Labels = LabelsWith(extraLabels) }, cancellationToken);
        return name;
    }

    /// <summary>Creates and starts a container living until the end of the run; its request carries <see cref="LabelsWith"/>.</summary>
    internal async Task<string> RunContainerAsync(CreateContainerParameters request, CancellationToken cancellationToken, string? name = null)
    {
        EnsureLabelled(request);
        request.Name = name;
        var id = (await Client.Containers.CreateContainerAsync(request, cancellationToken)).ID;
        await Client.StartAsync(id, cancellationToken);
        return id;
    }

    /// <summary>Refuses a request without this run's labels: a crash would leak what it creates.</summary>
    internal void EnsureLabelled(CreateContainerParameters request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Labels is null || !request.Labels.TryGetValue(RunLabel, out var run) || run != TestRunId)
        {
            throw new ArgumentException(
                "A test container must carry the run's labels (Labels = fixture.LabelsWith(...)), or a crash would leak it.", nameof(request));
        }
    }

    /// <summary>A per-test tracker: what it creates is removed when it is disposed, whatever the test's outcome.</summary>
    internal TestScope CreateScope(ITestOutputHelper? output = null) => new(this, output);

    /// <summary>This run's labels plus <paramref name="extra"/>.</summary>
    internal Dictionary<string, string> LabelsWith(params (string Key, string Value)[] extra)
    {
        var labels = new Dictionary<string, string>(Labels, StringComparer.Ordinal);
        foreach (var (key, value) in extra)
        {
            labels[key] = value;
        }

        return labels;
    }

    /// <summary>A name no other object of any run uses: va-test-PREFIX-RUNID-N.</summary>
    internal string UniqueName(string prefix)
    {
        if (!NamePrefix().IsMatch(prefix))
        {
            throw new ArgumentException($"'{prefix}' cannot start a Docker object name: use letters, digits, '-', '_' or '.'.", nameof(prefix));
        }

        var n = Interlocked.Increment(ref _names);
        return string.Create(CultureInfo.InvariantCulture, $"va-test-{prefix}-{TestRunId}-{n}");
    }

    /// <summary>Remembers an image reference this run made, to untag at the end even when its test failed.</summary>
    internal void TrackImage(string reference) => _images.TryAdd(reference, 0);

    internal void ForgetImage(string reference) => _images.TryRemove(reference, out _);

    /// <summary>Fails with the build command when a test image is missing, instead of an engine 404 mid-test.</summary>
    internal async Task RequireImageAsync(string image, CancellationToken cancellationToken)
    {
        if (await Client.TryInspectImageAsync(image, cancellationToken) is null)
        {
            throw new InvalidOperationException(MissingImageMessage(image));
        }
    }

    internal static string MissingImageMessage(string image) =>
        $"The test image {image} is not in the engine. Build the test images with `{TestImages.BuildCommand}` from the repository root (CI: `bash .ci/run`).";

    internal static string UnreachableMessage(string endpoint, Exception cause) =>
        $"The integration tests need a running Docker engine, and none answered at {endpoint} "
        + $"({(cause is OperationCanceledException ? $"no answer within {PingTimeout.TotalSeconds:0} s" : cause.Message)}). "
        + "Start one: `bash .ci/run` installs and starts the engine and runs every test; or by hand "
        + "`apt-get install -y docker.io && setsid dockerd >/tmp/dockerd.log 2>&1 &` (socket /var/run/docker.sock after a few seconds). "
        + "Set DOCKER_HOST to use an engine elsewhere.";

    /// <summary>The earlier runs' sweep and the leak check's snapshot, shared by every collection of this process.</summary>
    private static class ProcessStart
    {
        private static readonly Lock Gate = new();
        private static Task<IReadOnlySet<string>?>? _started;

        public static Task<IReadOnlySet<string>?> GetOrCreate(Func<Task<IReadOnlySet<string>?>> start)
        {
            lock (Gate)
            {
                return _started ??= start();
            }
        }
    }

    /// <summary>
    /// Sweeps what crashed runs left, and (where nothing else shares the engine: CI) takes the whole run's
    /// anonymous-volume snapshot that every collection's end compares with.
    /// </summary>
    private async Task<IReadOnlySet<string>?> StartProcessAsync(DockerClient client, CancellationToken cancellationToken)
    {
        await SweepEarlierRunsAsync(cancellationToken);
        return Environment.GetEnvironmentVariable("CI") == "true" ? await AnonymousVolumes.DanglingAsync(client, cancellationToken) : null;
    }

    private async Task<List<Exception>> RemoveRunObjectsAsync(CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        async Task Try(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception ex) when (ex is DockerApiException or HttpRequestException or OperationCanceledException or IOException)
            {
                failures.Add(ex);
            }
        }

        // Containers first: a volume in use by a container cannot be removed.
        await Try(async () =>
        {
            foreach (var container in await Client.ListContainersAsync(RunFilter, cancellationToken))
            {
                await Try(() => Client.RemoveContainerForcedAsync(container.ID, cancellationToken));
            }
        });
        await Try(async () =>
        {
            foreach (var volume in await Client.ListVolumesAsync(RunFilter, cancellationToken))
            {
                await Try(() => Client.RemoveVolumeForcedAsync(volume.Name, cancellationToken));
            }
        });
        foreach (var image in _images.Keys)
        {
            // Never forced: a test tag shares its image with a test image, and only the tag may go.
            await Try(() => Client.UntagImageAsync(image, cancellationToken));
        }

        return failures;
    }

    /// <summary>
    /// Removes what crashed runs left: objects of this owner whose test process is gone (or, when it cannot be
    /// traced, that are old), and registry tags of runs whose registry no longer listens. Live parallel runs
    /// (another checkout's tests on the same engine) are left alone.
    /// </summary>
    internal async Task SweepEarlierRunsAsync(CancellationToken cancellationToken)
    {
        var owner = new Dictionary<string, string?>(StringComparer.Ordinal) { [OwnerLabel] = OwnerValue };
        var now = Time.GetUtcNow();
        foreach (var container in await Client.ListContainersAsync(owner, cancellationToken))
        {
            var created = container.Created.Kind == DateTimeKind.Unspecified
                ? new DateTimeOffset(container.Created, TimeSpan.Zero)
                : new DateTimeOffset(container.Created.ToUniversalTime());
            if (IsLeftover(ToReadOnly(container.Labels), created, now))
            {
                await SweepAsync(() => Client.RemoveContainerForcedAsync(container.ID, cancellationToken));
            }
        }

        foreach (var volume in await Client.ListVolumesAsync(owner, cancellationToken))
        {
            var created = DateTimeOffset.TryParse(volume.CreatedAt, CultureInfo.InvariantCulture, out var at) ? at : DateTimeOffset.MinValue;
            if (IsLeftover(ToReadOnly(volume.Labels), created, now))
            {
                await SweepAsync(() => Client.RemoveVolumeForcedAsync(volume.Name, cancellationToken));
            }
        }

        foreach (var image in await Client.Images.ListImagesAsync(new ImagesListParameters(), cancellationToken))
        {
            foreach (var tag in image.RepoTags ?? [])
            {
                var match = RegistryTag().Match(tag);
                if (match.Success && !await IsListeningAsync(int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture), cancellationToken))
                {
                    await SweepAsync(() => Client.UntagImageAsync(tag, cancellationToken));
                }
            }
        }
    }

    /// <summary>A leftover the engine will not remove yet (say, a volume used by a stranger's container) waits for a later sweep.</summary>
    private static async Task SweepAsync(Func<Task> remove)
    {
        try
        {
            await remove();
        }
        catch (DockerApiException ex) when (ex.IsConflict())
        {
        }
    }

    private bool IsLeftover(Dictionary<string, string> labels, DateTimeOffset created, DateTimeOffset now)
    {
        if (labels.TryGetValue(RunLabel, out var run) && run == TestRunId)
        {
            return false;
        }

        if (labels.TryGetValue(ProcessLabel, out var process) && process.Split('/') is [var host, var pidText, var startText]
            && host == Environment.MachineName
            && int.TryParse(pidText, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(startText, CultureInfo.InvariantCulture, out var startMs))
        {
            return !IsAlive(pid, startMs);
        }

        return now - created > UntraceableAfter;
    }

    /// <summary>Whether the process still runs and is the same one (a reused pid has another start time).</summary>
    internal static bool IsAlive(int pid, long startUnixMs)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            var started = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
            return Math.Abs(started - startUnixMs) < 2000;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async Task<bool> IsListeningAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Dictionary<string, string> ToReadOnly(IDictionary<string, string>? labels) =>
        labels is null ? new(StringComparer.Ordinal) : new(labels, StringComparer.Ordinal);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial Regex NamePrefix();

    /// <summary>Tags the image-pull tests push to their local registry: 127.0.0.1:PORT/va-test/NAME:RUNID.</summary>
    [GeneratedRegex(@"^127\.0\.0\.1:(?<port>\d+)/va-test/[^:]+:[0-9a-f]{8}$")]
    private static partial Regex RegistryTag();
}

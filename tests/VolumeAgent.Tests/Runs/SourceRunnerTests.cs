using VolumeAgent.Manifest;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Sources.Postgres;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// A source whose planning or whose artifact stops making progress: the step fails after the source's stall timeout
/// with a message naming what stalled, the partial file is aborted, and the source's next artifact still runs.
/// Fake sources and an in-memory storage on a fake clock.
/// </summary>
public sealed class SourceRunnerTests : IDisposable
{
    // Guards against a hang when the code under test is broken; no assertion depends on it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(3);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 4, 0, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _guard = new(HangGuard);
    private readonly MemorySet _set = new();
    private readonly List<ManifestArtifact> _artifacts = [];

    public void Dispose() => _guard.Dispose();

    [Fact]
    public async Task RunAsync_PlanningMakesNoProgress_FailsTheSourceAfterItsStallTimeout()
    {
        var planning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new FakeSource(async token =>
        {
            planning.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return [];
        });

        var run = RunAsync(source);
        await planning.Task.WaitAsync(_guard.Token);
        _clock.Advance(Stall);
        await run.WaitAsync(_guard.Token);

        _artifacts.Should().ContainSingle().Which.Error.Should()
            .Be("No progress from postgres db (finding its container and what to back up) for 3s (stall_timeout).");
    }

    [Fact]
    public async Task RunAsync_ArtifactOutputStops_FailsItNamingTheToolAbortsItsFileAndRunsTheNextArtifact()
    {
        var silent = new FakeProducer("db-app.dump", new SilentStream());
        var fine = new FakeProducer("db-shop.dump", new MemoryStream("shop"u8.ToArray()));
        var run = RunAsync(new FakeSource(_ => Task.FromResult<IReadOnlyList<IArtifactProducer>>([silent, fine])));

        await silent.Output.ReadStarted.WaitAsync(_guard.Token);
        _clock.Advance(Stall);
        await run.WaitAsync(_guard.Token);

        _artifacts.Select(a => (a.Status, a.Error)).Should().Equal(
            (ManifestStatus.Failed, "No output from fake-dump of db-app.dump in container db for 3s (stall_timeout): container db is paused."),
            (ManifestStatus.Succeeded, (string?)null));
        _set.Artifacts.Select(a => (a.FileName, a.State)).Should().Equal(("db-app.dump", "aborted"), ("db-shop.dump", "committed"));
        silent.Disposed.Should().BeTrue("the stalled producer is disposed, which ends its exec");
    }

    private Task RunAsync(IBackupSource source)
    {
        var options = new PostgresSource { Target = "db", StallTimeout = Stall };
        var targets = new ArtifactTargets([new StorageTarget("memory", "storage 'memory' (memory)") { Writer = _set }], new RunActivity(Stall, _clock));
        return new SourceRunner(_clock).RunAsync(
            new PlannedSource(options, source), Compressors.Create(CompressionKind.None, null), targets, _artifacts, null, _log.Logger, _guard.Token);
    }

    private sealed class FakeSource(Func<CancellationToken, Task<IReadOnlyList<IArtifactProducer>>> plan) : IBackupSource
    {
        public string DisplayName => "postgres db";

        public ManifestSourceKind Kind => PostgresKind.Postgres;

        public ManifestArtifactFormat Format => PostgresKind.PgCustom;

        public Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken) => plan(cancellationToken);
    }

    private sealed class FakeProducer(string file, Stream output) : IArtifactProducer
    {
        public ArtifactDescriptor Descriptor { get; } = new()
        {
            BaseFileName = file,
            Kind = PostgresKind.Postgres,
            SourceName = "db",
            Format = PostgresKind.PgCustom,
            Container = "db",
        };

        public SilentStream Output => (SilentStream)output;

        public bool Disposed { get; private set; }

        public string Subject => $"fake-dump of {file} in container db";

        public Task<Stream> OpenAsync(CancellationToken cancellationToken) => Task.FromResult(output);

        public Task CompleteAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<string?> DiagnoseStallAsync(CancellationToken cancellationToken) => Task.FromResult<string?>("container db is paused.");

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Never returns a byte; honours cancellation, as the engine's streams do.</summary>
    private sealed class SilentStream : VolumeAgent.IO.ReadOnlyStream
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task ReadStarted => _started.Task;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    /// <summary>A storage in memory: each artifact ends committed or aborted.</summary>
    private sealed class MemorySet : IBackupSetWriter
    {
        public List<MemoryArtifact> Artifacts { get; } = [];

        public string Job => "job";

        public RunId RunId { get; } = RunId.New();

        public string DirectoryName => "set";

        public Task<IArtifactWriter> CreateArtifactAsync(string fileName, CancellationToken cancellationToken)
        {
            var artifact = new MemoryArtifact(fileName);
            Artifacts.Add(artifact);
            return Task.FromResult<IArtifactWriter>(artifact);
        }

        public Task CompleteAsync(BackupManifest manifest, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class MemoryArtifact(string fileName) : IArtifactWriter
    {
        private readonly MemoryStream _stream = new();

        public string FileName => fileName;

        public string State { get; private set; } = "open";

        public Stream Stream => _stream;

        public long BytesWritten => _stream.Length;

        public Task CommitAsync(string sha256Hex, CancellationToken cancellationToken)
        {
            State = "committed";
            return Task.CompletedTask;
        }

        public Task AbortAsync()
        {
            State = State == "committed" ? State : "aborted";
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => _stream.DisposeAsync();
    }
}

using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// The no-progress watchdog of a run's steps: a source read or a storage write that waits longer than the stall
/// timeout ends the step and says which side stalled; bytes that keep coming never do; a storage write that ignores
/// cancellation is given up. Time is a fake clock: nothing here sleeps.
/// </summary>
public sealed class StallWatchdogTests : IDisposable
{
    // Guards against a hang when the code under test is broken; no assertion depends on it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 5, 4, 0, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _guard = new(HangGuard);

    public void Dispose() => _guard.Dispose();

    [Fact]
    public async Task WatchRead_SourceSilent_FiresAtTheStallTimeoutNamingTheSource()
    {
        var activity = new RunActivity(TimeSpan.FromSeconds(10), _clock);
        using var watchdog = new StallWatchdog(Stall, _clock, activity, CancellationToken.None);
        var read = watchdog.WatchRead(new SilentStream()).ReadAsync(new byte[16], _guard.Token).AsTask();

        _clock.Advance(Stall - Tick);
        var firedEarly = watchdog.Fired || read.IsCompleted;
        _clock.Advance(Tick);

        firedEarly.Should().BeFalse("nothing fires before the stall timeout");
        await read.Awaiting(r => r.WaitAsync(HangGuard)).Should().ThrowAsync<OperationCanceledException>();
        watchdog.Fired.Should().BeTrue();
        watchdog.Side.Should().Be(StallSide.Source);
        watchdog.Token.IsCancellationRequested.Should().BeTrue();
        activity.Idle.Should().Be(Stall, "a read that waits is no progress");
    }

    [Fact]
    public async Task WatchRead_BytesKeepComing_NeverFiresThenFiresOnceTheyStop()
    {
        var source = new DripStream();
        using var watchdog = new StallWatchdog(Stall, _clock, null, CancellationToken.None);
        var stream = watchdog.WatchRead(source);
        var buffer = new byte[16];

        for (var i = 0; i < 10; i++)
        {
            var read = stream.ReadAsync(buffer, _guard.Token).AsTask();
            _clock.Advance(TimeSpan.FromSeconds(2));
            source.Drip();
            (await read.WaitAsync(HangGuard)).Should().Be(1);
        }

        var silent = stream.ReadAsync(buffer, _guard.Token).AsTask();
        _clock.Advance(Stall);

        watchdog.Fired.Should().BeTrue("20 s of bytes every 2 s never stalled, then 3 s of nothing did");
        await silent.Awaiting(r => r.WaitAsync(HangGuard)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task WatchWrite_StorageHangsIgnoringCancellation_IsGivenUpAndNamed()
    {
        using var watchdog = new StallWatchdog(Stall, _clock, null, CancellationToken.None);
        var hung = new HungWriteStream();
        var write = watchdog.WatchWrite(hung, "storage 'nas' (/mnt/nas)").WriteAsync(new byte[16], _guard.Token).AsTask();

        _clock.Advance(Stall);

        await write.Awaiting(w => w.WaitAsync(HangGuard)).Should().ThrowAsync<OperationCanceledException>();
        hung.Started.Should().BeTrue();
        watchdog.Side.Should().Be(StallSide.Storage);
        watchdog.Storage.Should().Be("storage 'nas' (/mnt/nas)");
    }

    [Fact]
    public async Task WatchWrite_TwoStoragesWrittenAtOnce_TheOneThatAnswersDoesNotHideTheOneThatHangs()
    {
        using var watchdog = new StallWatchdog(Stall, _clock, null, CancellationToken.None);
        var hung = watchdog.WatchWrite(new HungWriteStream(), "storage 'offsite' (sftp://nas/backups)").WriteAsync(new byte[16], _guard.Token).AsTask();
        await watchdog.WatchWrite(new MemoryStream(), "storage 'local' (/backups)").WriteAsync(new byte[16], _guard.Token);

        _clock.Advance(Stall);

        await hung.Awaiting(w => w.WaitAsync(HangGuard)).Should().ThrowAsync<OperationCanceledException>();
        (watchdog.Side, watchdog.Storage).Should().Be((StallSide.Storage, "storage 'offsite' (sftp://nas/backups)"));
    }

    [Fact]
    public async Task WatchStorageAsync_CommitHangs_IsGivenUpAndNamed()
    {
        using var watchdog = new StallWatchdog(Stall, _clock, null, CancellationToken.None);
        var never = new TaskCompletionSource();

        var commit = watchdog.WatchStorageAsync("storage 'local' (/backups)", _ => never.Task);
        _clock.Advance(Stall);

        await commit.Awaiting(c => c.WaitAsync(HangGuard)).Should().ThrowAsync<OperationCanceledException>();
        (watchdog.Side, watchdog.Storage).Should().Be((StallSide.Storage, "storage 'local' (/backups)"));
    }

    [Fact]
    public void Watch_NothingPending_FiresAsAStalledStep()
    {
        using var watchdog = new StallWatchdog(Stall, _clock, null, CancellationToken.None);

        _clock.Advance(Stall);

        watchdog.Fired.Should().BeTrue();
        watchdog.Side.Should().Be(StallSide.Step);
    }

    [Fact]
    public async Task Token_OuterCancelled_CancelsWithoutCountingAsAStall()
    {
        using var outer = new CancellationTokenSource();
        using var watchdog = new StallWatchdog(Stall, _clock, null, outer.Token);

        await outer.CancelAsync();

        watchdog.Token.IsCancellationRequested.Should().BeTrue();
        watchdog.Fired.Should().BeFalse();
    }

    [Fact]
    public async Task Pipeline_SourceStallsMidStream_EndsWithinTheStallTimeoutThroughTheReadAhead()
    {
        var source = new DripStream();
        using var watchdog = new StallWatchdog(Stall, _clock, null, CancellationToken.None);
        using var destination = new MemoryStream();
        var pipeline = new ArtifactPipeline(_clock, threads: 1);
        var run = pipeline.RunAsync(watchdog.WatchRead(source), watchdog.WatchWrite(destination, "memory"), CompressionKind.None, null, watchdog.Token);

        source.Drip();
        await source.WaitForReadAsync(_guard.Token);
        await source.WaitForReadAsync(_guard.Token);
        _clock.Advance(Stall);

        await run.Awaiting(r => r.WaitAsync(HangGuard)).Should().ThrowAsync<OperationCanceledException>();
        watchdog.Side.Should().Be(StallSide.Source);
    }

    [Fact]
    public void SourceLimits_TimeoutRunsOut_ExplainsItAndFailsWhatDidNotStart()
    {
        var options = new PostgresSource { Target = "db", StallTimeout = TimeSpan.FromMinutes(5), Timeout = TimeSpan.FromSeconds(20) };
        using var limits = new SourceLimits(options, _clock, null, CancellationToken.None);
        using var watchdog = limits.Watch("pg_dump of database 'app' in container db");

        _clock.Advance(TimeSpan.FromSeconds(20));

        limits.TimedOut.Should().BeTrue();
        watchdog.Token.IsCancellationRequested.Should().BeTrue("the deadline ends the step going on");
        watchdog.Fired.Should().BeFalse();
        limits.Explain(watchdog, "postgres db", "pg_dump of database 'app' in container db", "container db is paused.")
            .Should().Be("postgres db did not finish within its timeout of 20s; pg_dump of database 'app' in container db was stopped: container db is paused.");
        limits.NotStarted("postgres db").Should().Be("Not started: postgres db ran out of its timeout of 20s.");
    }

    [Fact]
    public void SourceLimits_Stall_ExplainsEachSide()
    {
        var options = new VolumeSource { Volume = "data", StallTimeout = Stall };
        using var limits = new SourceLimits(options, _clock, null, CancellationToken.None);
        using var reading = limits.Watch("step");
        reading.BeginRead();
        _clock.Advance(Stall);
        using var writing = limits.Watch("step");
        writing.BeginStorage("storage 'local' (/backups)");
        _clock.Advance(Stall);
        using var nothing = limits.Watch("step");
        _clock.Advance(Stall);
        using var quiet = limits.Watch("step");

        limits.Explain(reading, "postgres db", "pg_dump in container db", "container db is paused.")
            .Should().Be("No output from pg_dump in container db for 3s (stall_timeout): container db is paused.");
        limits.Explain(writing, "volume data", "the engine's archive of data", null, "volume-data.tar.gz")
            .Should().StartWith("The storage 'local' (/backups) took no data for 3s while volume-data.tar.gz was written;");
        limits.Explain(nothing, "postgres db", "pg_dump in container db", null)
            .Should().Be("No progress from pg_dump in container db for 3s (stall_timeout).");
        limits.Explain(quiet, "postgres db", "pg_dump in container db", null).Should().BeNull("neither the watchdog nor a deadline ended it");
    }

    [Fact]
    public void RunActivity_HookStep_MayWaitForItsOwnBound()
    {
        var activity = new RunActivity(Stall, _clock);

        activity.Begin("before-hooks", TimeSpan.FromMinutes(2));
        _clock.Advance(TimeSpan.FromMinutes(1));
        var duringHook = activity.IsStalled;
        activity.Begin("volume data");
        _clock.Advance(Stall + Tick);

        duringHook.Should().BeFalse("a hook is bounded by its own timeout");
        activity.IsStalled.Should().BeTrue();
        activity.Step.Should().Be("volume data");
        activity.LastProgressAt.Should().Be(_clock.GetUtcNow() - Stall - Tick);
    }

    /// <summary>Never returns a byte; honours cancellation, as the engine's streams do.</summary>
    private sealed class SilentStream : VolumeAgent.IO.ReadOnlyStream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    /// <summary>Returns one byte per <see cref="Drip"/>; a read waits for the next drip or its cancellation.</summary>
    private sealed class DripStream : VolumeAgent.IO.ReadOnlyStream
    {
        private readonly SemaphoreSlim _drops = new(0);
        private readonly SemaphoreSlim _reads = new(0);

        public void Drip() => _drops.Release();

        /// <summary>Completes once the next read has begun (the first of the reads not yet waited for).</summary>
        public Task WaitForReadAsync(CancellationToken cancellationToken) => _reads.WaitAsync(cancellationToken);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _reads.Release();
            await _drops.WaitAsync(cancellationToken);
            buffer.Span[0] = (byte)'x';
            return 1;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _drops.Dispose();
                _reads.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>A write that never completes and ignores its token: a kernel write to a dead network mount.</summary>
    private sealed class HungWriteStream : VolumeAgent.IO.WriteOnlyStream
    {
        public bool Started { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer) => throw new NotSupportedException();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Started = true;
            return new ValueTask(new TaskCompletionSource().Task);
        }

        public override void Flush()
        {
        }
    }
}

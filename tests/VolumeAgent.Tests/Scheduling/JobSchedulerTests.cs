using System.Globalization;
using Serilog.Events;
using VolumeAgent.Scheduling;

namespace VolumeAgent.Tests.Scheduling;

public sealed class JobSchedulerTests
{
    // Guards against a hang when the code under test is broken; no assertion depends on it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(At("2026-05-04T00:00Z"));
    private readonly LogCapture _log = new();
    private readonly List<string> _fired = [];
    private readonly List<(string Job, DateTimeOffset Scheduled)> _skipped = [];

    [Fact]
    public async Task RunAsync_JobStillRunningAtItsNextTime_SkipsThatFiringWithoutQueueingIt()
    {
        var gate = new TaskCompletionSource();
        var scheduler = Create(
            [Job("slow", "*/15 * * * *"), Job("quick", "*/15 * * * *")],
            async (job, _) =>
            {
                if (job == "slow" && Count("slow") == 1)
                {
                    await gate.Task;
                }
            });
        var (driver, stop, run) = Start(scheduler);

        await driver.AdvanceAsync(TimeSpan.FromMinutes(30));
        scheduler.IsRunning("slow").Should().BeTrue();
        gate.SetResult();
        await scheduler.WhenRunEndsAsync("slow").WaitAsync(HangGuard);
        await driver.AdvanceAsync(TimeSpan.FromMinutes(15));

        _fired.Should().Equal(
            "00:15 slow", "00:15 quick", "00:30 quick", "00:45 slow", "00:45 quick");
        _log.Messages(LogEventLevel.Warning).Should().ContainSingle()
            .Which.Should().Contain("\"slow\" is still running").And.Contain("2026-05-04 00:30");
        _skipped.Should().Equal(("slow", At("2026-05-04T00:30Z")));
        await StopAsync(stop, run);
    }

    [Fact]
    public async Task RunAsync_DifferentJobsDue_RunConcurrently()
    {
        var gate = new TaskCompletionSource();
        var scheduler = Create([Job("a", "0 * * * *"), Job("b", "0 * * * *")], async (_, _) => await gate.Task);
        var (driver, stop, run) = Start(scheduler);

        await driver.AdvanceAsync(TimeSpan.FromHours(1));

        _fired.Should().Equal("01:00 a", "01:00 b");
        scheduler.IsRunning("a").Should().BeTrue();
        scheduler.IsRunning("b").Should().BeTrue();
        gate.SetResult();
        await StopAsync(stop, run);
    }

    [Fact]
    public async Task RunAsync_JobThrows_LogsTheFailureAndKeepsFiring()
    {
        var scheduler = Create(
            [Job("broken", "*/15 * * * *"), Job("broken-later", "*/15 * * * *"), Job("healthy", "*/30 * * * *")],
            (job, _) => job switch
            {
                "broken" => throw new InvalidOperationException("disk full"),
                "broken-later" => FailLaterAsync(),
                _ => Task.CompletedTask,
            });
        var (driver, stop, run) = Start(scheduler);

        for (var step = 0; step < 4; step++)
        {
            await driver.AdvanceAsync(TimeSpan.FromMinutes(15));
            await scheduler.WhenRunEndsAsync("broken-later").WaitAsync(HangGuard);
        }

        Count("broken").Should().Be(4);
        Count("broken-later").Should().Be(4);
        Count("healthy").Should().Be(2);
        run.IsCompleted.Should().BeFalse();
        var errors = _log.Events.Where(e => e.Level == LogEventLevel.Error).ToArray();
        errors.Should().HaveCount(8);
        errors.Select(e => e.Exception!.Message).Distinct().Should().BeEquivalentTo("disk full", "dump failed");
        await StopAsync(stop, run);
        run.IsCompletedSuccessfully.Should().BeTrue();

        static async Task FailLaterAsync()
        {
            await Task.Yield();
            throw new IOException("dump failed");
        }
    }

    [Fact]
    public async Task RunAsync_CancelledWhileIdle_EndsWithoutFiring()
    {
        var scheduler = Create([Job("nightly", "30 2 * * *")]);
        var (driver, stop, run) = Start(scheduler);
        await driver.AdvanceAsync(TimeSpan.FromHours(1));

        await StopAsync(stop, run);

        run.IsCompletedSuccessfully.Should().BeTrue();
        _fired.Should().BeEmpty();
        await driver.AdvanceAsync(TimeSpan.FromHours(3));
        _fired.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_AlreadyCancelled_ReturnsAtOnce()
    {
        var scheduler = Create([Job("often", "* * * * *")]);

        await scheduler.RunAsync(new CancellationToken(canceled: true)).WaitAsync(HangGuard);

        _fired.Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_CancelledDuringARun_CancelsTheRunAndWaitsForIt()
    {
        var observed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduler = Create(
            [Job("backup", "0 * * * *")],
            async (_, token) =>
            {
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, token);
                }
                finally
                {
                    observed.TrySetResult(token.IsCancellationRequested);
                }
            });
        var (driver, stop, run) = Start(scheduler);
        await driver.AdvanceAsync(TimeSpan.FromHours(1));
        scheduler.IsRunning("backup").Should().BeTrue();

        await StopAsync(stop, run);

        (await observed.Task.WaitAsync(HangGuard)).Should().BeTrue();
        scheduler.IsRunning("backup").Should().BeFalse();
        _log.Messages(LogEventLevel.Information).Should().Contain(m => m.Contains("\"backup\" was cancelled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_RunIgnoresCancellation_AbandonsItAfterTheGracePeriod()
    {
        var gate = new TaskCompletionSource();
        var grace = TimeSpan.FromSeconds(20);
        var scheduler = Create([Job("stubborn", "0 * * * *")], async (_, _) => await gate.Task, grace);
        var (driver, stop, run) = Start(scheduler);
        await driver.AdvanceAsync(TimeSpan.FromHours(1));

        await stop.CancelAsync();
        using (var guard = new CancellationTokenSource(HangGuard))
        {
            await _clock.WaitUntilAsync(c => c.UntilNextTimer == grace, guard.Token);
        }

        run.IsCompleted.Should().BeFalse();
        _clock.Advance(grace - TimeSpan.FromSeconds(1));
        run.IsCompleted.Should().BeFalse();
        _clock.Advance(TimeSpan.FromSeconds(1));
        await run.WaitAsync(HangGuard);
        scheduler.IsRunning("stubborn").Should().BeTrue();
        _log.Messages(LogEventLevel.Warning).Should().ContainSingle()
            .Which.Should().Contain("\"stubborn\"").And.Contain("abandoned");
        gate.SetResult();
    }

    [Fact]
    public async Task RunAsync_WallClockJumpsForwardHours_FiresEachOverdueJobOnceThenKeepsItsSchedule()
    {
        var scheduler = Create(
            [Job("half-hourly", "*/30 * * * *"), Job("hourly", "0 * * * *"), Job("nightly", "30 2 * * *"), Job("evening", "0 20 * * *")]);
        var (driver, stop, run) = Start(scheduler);
        await driver.AdvanceAsync(TimeSpan.FromMinutes(10));

        _clock.Jump(TimeSpan.FromHours(5));
        await driver.AdvanceAsync(TimeSpan.FromMinutes(50));

        _fired.Should().Equal(
            "05:11 half-hourly", "05:11 hourly", "05:11 nightly", "05:30 half-hourly", "06:00 half-hourly", "06:00 hourly");
        scheduler.GetNextRun("nightly").Should().Be(At("2026-05-05T02:30Z"));
        scheduler.GetNextRun("evening").Should().Be(At("2026-05-04T20:00Z"));
        _log.Messages(LogEventLevel.Warning).Should().HaveCount(3).And.OnlyContain(m => m.Contains("2026-05-04 05:11", StringComparison.Ordinal));
        await StopAsync(stop, run);
    }

    [Fact]
    public async Task RunAsync_WallClockSetBackAfterAFiring_DoesNotRepeatIt()
    {
        var scheduler = Create([Job("hourly", "0 * * * *")]);
        var (driver, stop, run) = Start(scheduler);
        await driver.AdvanceAsync(TimeSpan.FromHours(1));

        _clock.Jump(TimeSpan.FromMinutes(-40));
        await driver.AdvanceAsync(TimeSpan.FromMinutes(100));

        _clock.GetUtcNow().Should().Be(At("2026-05-04T02:00Z"));
        _fired.Should().Equal("01:00 hourly", "02:00 hourly");
        await StopAsync(stop, run);
    }

    [Fact]
    public async Task RunAsync_WallClockSetBackADay_FiresAtTheNextTimeOfTheNewDay()
    {
        var scheduler = Create([Job("eleven", "0 11 * * *")]);
        var (driver, stop, run) = Start(scheduler);
        await driver.AdvanceAsync(TimeSpan.FromHours(10));
        scheduler.GetNextRun("eleven").Should().Be(At("2026-05-04T11:00Z"));

        _clock.Jump(TimeSpan.FromDays(-1));
        await driver.AdvanceAsync(TimeSpan.FromHours(1));

        scheduler.GetNextRun("eleven").Should().Be(At("2026-05-04T11:00Z"));
        _fired.Should().Equal("11:00 eleven");
        _clock.GetUtcNow().Should().Be(At("2026-05-03T11:00Z"));
        await StopAsync(stop, run);
    }

    [Fact]
    public async Task RunAsync_JobWithJitter_StartsAfterTheRandomDelay()
    {
        var scheduler = Create(
            [new ScheduledJob("spread", ZonedCron.Parse("0 * * * *", TimeZoneInfo.Utc), TimeSpan.FromMinutes(10))],
            random: new FixedRandom(0.25));
        var (driver, stop, run) = Start(scheduler);

        await driver.AdvanceAsync(TimeSpan.FromHours(1));
        scheduler.IsRunning("spread").Should().BeTrue();
        _fired.Should().BeEmpty();
        await driver.AdvanceAsync(TimeSpan.FromMinutes(2.5));
        await scheduler.WhenRunEndsAsync("spread").WaitAsync(HangGuard);
        await driver.AdvanceAsync(TimeSpan.FromMinutes(57.5));
        await driver.AdvanceAsync(TimeSpan.FromMinutes(2.5));
        await scheduler.WhenRunEndsAsync("spread").WaitAsync(HangGuard);

        _fired.Should().Equal("01:02:30 spread", "02:02:30 spread");
        await StopAsync(stop, run);
    }

    [Fact]
    public void GetNextRun_BeforeRunning_IsTheScheduleFromTheClock()
    {
        var scheduler = Create([Job("nightly", "30 2 * * *"), Job("monthly", "@monthly")]);

        scheduler.GetNextRun("nightly").Should().Be(At("2026-05-04T02:30Z"));
        scheduler.GetNextRun("monthly").Should().Be(At("2026-06-01T00:00Z"));
        scheduler.JobNames.Should().Equal("nightly", "monthly");
    }

    [Fact]
    public void GetNextRun_UnknownJob_ThrowsNamingTheKnownJobs()
    {
        var scheduler = Create([Job("nightly", "30 2 * * *"), Job("weekly", "@weekly")]);

        var act = () => scheduler.GetNextRun("nighlty");

        act.Should().Throw<ArgumentException>().WithMessage("*nighlty*nightly, weekly*");
    }

    [Fact]
    public void Constructor_DuplicateJobName_Throws()
    {
        var act = () => Create([Job("nightly", "30 2 * * *"), Job("nightly", "0 3 * * *")]);

        act.Should().Throw<ArgumentException>().WithMessage("*nightly*twice*");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(24 * 60 + 1)]
    public void Constructor_JitterOutOfRange_Throws(int minutes)
    {
        var act = () => Create([new ScheduledJob("nightly", ZonedCron.Parse("30 2 * * *", TimeZoneInfo.Utc), TimeSpan.FromMinutes(minutes))]);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*nightly*jitter*");
    }

    [Fact]
    public async Task RunAsync_CalledTwice_Throws()
    {
        var scheduler = Create([Job("nightly", "30 2 * * *")]);
        var (_, stop, run) = Start(scheduler);

        var second = () => scheduler.RunAsync(CancellationToken.None);

        await second.Should().ThrowAsync<InvalidOperationException>();
        await StopAsync(stop, run);
    }

    private static ScheduledJob Job(string name, string expression) => new(name, ZonedCron.Parse(expression, TimeZoneInfo.Utc));

    private JobScheduler Create(
        ScheduledJob[] jobs,
        Func<string, CancellationToken, Task>? body = null,
        TimeSpan? grace = null,
        Random? random = null) =>
        new(
            jobs,
            (job, _, token) =>
            {
                lock (_fired)
                {
                    var now = _clock.GetUtcNow();
                    _fired.Add($"{now.ToString(now.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture)} {job}");
                }

                return body?.Invoke(job, token) ?? Task.CompletedTask;
            },
            _clock,
            _log.Logger,
            random,
            grace)
        {
            Skipped = (job, scheduled) =>
            {
                lock (_skipped)
                {
                    _skipped.Add((job, scheduled));
                }
            },
        };

    private (SchedulerDriver Driver, CancellationTokenSource Stop, Task Run) Start(JobScheduler scheduler)
    {
        var stop = new CancellationTokenSource();
        return (new SchedulerDriver(_clock, scheduler), stop, scheduler.RunAsync(stop.Token));
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task run)
    {
        await stop.CancelAsync();
        await run.WaitAsync(HangGuard);
        stop.Dispose();
    }

    private int Count(string job)
    {
        lock (_fired)
        {
            return _fired.Count(f => f.EndsWith(" " + job, StringComparison.Ordinal));
        }
    }

    private static DateTimeOffset At(string utc) =>
        DateTimeOffset.ParseExact(utc, "yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;
    }
}

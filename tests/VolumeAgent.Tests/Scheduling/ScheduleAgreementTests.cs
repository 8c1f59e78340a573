using System.Globalization;
using VolumeAgent.Control.Status;
using VolumeAgent.Policy;
using VolumeAgent.Scheduling;
using static VolumeAgent.Tests.Policy.PolicyTestHelpers;

namespace VolumeAgent.Tests.Scheduling;

/// <summary>
/// The same cron strings through the three readers a user meets: <c>validate</c> (the policy loader), the
/// scheduler that fires the jobs, and the next run <c>status</c> shows. They must agree, string for string.
/// </summary>
public sealed class ScheduleAgreementTests
{
    // Guards against a hang when the code under test is broken; no assertion depends on it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    // Monday 2026-05-04 00:00 in Europe/Berlin (CEST, +02:00).
    private static readonly DateTimeOffset Start = new(2026, 5, 3, 22, 0, 0, TimeSpan.Zero);

    [Theory]
    // 7 and 0 are both Sunday (the first Sunday after the start is the 10th).
    [InlineData("0 2 * * 7", 8, "05-10 02:00")]
    [InlineData("0 2 * * 0", 8, "05-10 02:00")]
    [InlineData("0 2 * * SUN", 8, "05-10 02:00")]
    // A range across midnight fires at 00:30 to 03:30 and 23:30, never 04:30 to 22:30.
    [InlineData("30 23-3 * * *", 1, "05-04 00:30 05-04 01:30 05-04 02:30 05-04 03:30 05-04 23:30")]
    // Both day fields restricted: the 5th (a Tuesday) or any Monday.
    [InlineData("0 3 5 * 1", 8, "05-04 03:00 05-05 03:00 05-11 03:00")]
    [InlineData("@weekly", 8, "05-10 00:00")]
    public async Task Schedule_SameStringThroughValidationSchedulerAndStatus_Agrees(string expression, int days, string firstFirings)
    {
        var policy = Load("timezone: Europe/Berlin\n" + WithJob($"schedule: \"{expression}\"\nsources: [{{ volume: data }}]"));
        var job = policy.Jobs.Single();

        var fired = await FireAsync(policy, TimeSpan.FromDays(days));
        var expected = firstFirings.Split(' ').Chunk(2).Select(p => $"{p[0]} {p[1]}").ToList();

        fired.Take(expected.Count).Should().Equal(expected);
        var statusNext = StorageStatus.NextAfter(job.Schedule, policy.TimeZone, Start);
        Wall(statusNext!.Value, policy.TimeZone).Should().Be(expected[0], "status shows the run the scheduler makes first");
    }

    [Fact]
    public async Task Schedule_RangeAcrossMidnight_FiresOnlyInsideTheWrappedRange()
    {
        var policy = Load("timezone: Europe/Berlin\n" + WithJob("schedule: \"30 23-3 * * *\"\nsources: [{ volume: data }]"));

        var fired = await FireAsync(policy, TimeSpan.FromDays(2));

        fired.Should().Equal(
            "05-04 00:30", "05-04 01:30", "05-04 02:30", "05-04 03:30",
            "05-04 23:30", "05-05 00:30", "05-05 01:30", "05-05 02:30", "05-05 03:30",
            "05-05 23:30");
    }

    [Theory]
    [InlineData("0 25 * * *", "invalid hour field \"25\"")]
    [InlineData("0 2 * * 8", "invalid day-of-week field \"8\"")]
    [InlineData("0 0 30 2 *", "never fires")]
    [InlineData("@reboot", "not a known shorthand")]
    public void Schedule_InvalidString_RefusedByValidationWithTheSchedulersOwnMessage(string expression, string problem)
    {
        ZonedCron.TryParse(expression, TimeZoneInfo.Utc, out _, out var schedulerError).Should().BeFalse();

        var failure = LoadFailure(WithJob($"schedule: \"{expression}\"\nsources: [{{ volume: data }}]"));

        schedulerError.Should().Contain(problem);
        failure.Problems.Should().ContainSingle().Which.Message.Should().Be(schedulerError);
    }

    private static async Task<List<string>> FireAsync(BackupPolicy policy, TimeSpan span)
    {
        var clock = new FakeTimeProvider(Start);
        var fired = new List<string>();
        var scheduler = new JobScheduler(
            PolicySchedules.Backups(policy),
            (_, _, _) =>
            {
                lock (fired)
                {
                    fired.Add(Wall(clock.GetUtcNow(), policy.TimeZone));
                }

                return Task.CompletedTask;
            },
            clock,
            new LogCapture().Logger);
        using var stop = new CancellationTokenSource();
        var run = scheduler.RunAsync(stop.Token);
        await new SchedulerDriver(clock, scheduler).AdvanceAsync(span);
        await stop.CancelAsync();
        await run.WaitAsync(HangGuard);
        lock (fired)
        {
            return [.. fired];
        }
    }

    private static string Wall(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);
}

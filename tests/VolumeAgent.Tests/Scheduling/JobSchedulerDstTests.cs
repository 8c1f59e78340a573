using System.Globalization;
using VolumeAgent.Scheduling;

namespace VolumeAgent.Tests.Scheduling;

public sealed class JobSchedulerDstTests
{
    public static TheoryData<string, string, string, string[]> Periods => new()
    {
        // Spring forward: 2026-03-29 01:00 UTC, Berlin's 02:00 CET becomes 03:00 CEST.
        {
            "2026-03-27T00:00Z",
            "2026-03-31T00:00Z",
            "2026-03-31T00:30Z",
            [
                "2026-03-27T01:30Z nightly",
                "2026-03-27T05:00Z six-hourly",
                "2026-03-27T11:00Z six-hourly",
                "2026-03-27T17:00Z six-hourly",
                "2026-03-27T23:00Z six-hourly",
                "2026-03-28T01:30Z nightly",
                "2026-03-28T05:00Z six-hourly",
                "2026-03-28T11:00Z six-hourly",
                "2026-03-28T17:00Z six-hourly",
                "2026-03-28T23:00Z six-hourly",
                "2026-03-29T00:15Z sunday",
                "2026-03-29T01:00Z nightly",
                "2026-03-29T04:00Z six-hourly",
                "2026-03-29T10:00Z six-hourly",
                "2026-03-29T16:00Z six-hourly",
                "2026-03-29T22:00Z six-hourly",
                "2026-03-30T00:30Z nightly",
                "2026-03-30T04:00Z six-hourly",
                "2026-03-30T10:00Z six-hourly",
                "2026-03-30T16:00Z six-hourly",
                "2026-03-30T22:00Z six-hourly",
            ]
        },

        // Fall back: 2026-10-25 01:00 UTC, Berlin's 03:00 CEST becomes 02:00 CET; 02:00-02:59 happen twice.
        {
            "2026-10-23T00:00Z",
            "2026-10-27T00:00Z",
            "2026-10-27T01:30Z",
            [
                "2026-10-23T00:30Z nightly",
                "2026-10-23T04:00Z six-hourly",
                "2026-10-23T10:00Z six-hourly",
                "2026-10-23T16:00Z six-hourly",
                "2026-10-23T22:00Z six-hourly",
                "2026-10-24T00:30Z nightly",
                "2026-10-24T04:00Z six-hourly",
                "2026-10-24T10:00Z six-hourly",
                "2026-10-24T16:00Z six-hourly",
                "2026-10-24T22:00Z six-hourly",
                "2026-10-24T23:15Z sunday",
                "2026-10-25T00:30Z nightly",
                "2026-10-25T05:00Z six-hourly",
                "2026-10-25T11:00Z six-hourly",
                "2026-10-25T17:00Z six-hourly",
                "2026-10-25T23:00Z six-hourly",
                "2026-10-26T01:30Z nightly",
                "2026-10-26T05:00Z six-hourly",
                "2026-10-26T11:00Z six-hourly",
                "2026-10-26T17:00Z six-hourly",
                "2026-10-26T23:00Z six-hourly",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Periods))]
    public async Task RunAsync_ThreeJobsAcrossADstChange_FireAtTheListedInstants(
        string from, string to, string nextNightly, string[] expected)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var clock = new FakeTimeProvider(At(from));
        var fired = new List<string>();
        var scheduler = new JobScheduler(
            [
                new ScheduledJob("nightly", ZonedCron.Parse("30 2 * * *", zone)),
                new ScheduledJob("six-hourly", ZonedCron.Parse("0 */6 * * *", zone)),
                new ScheduledJob("sunday", ZonedCron.Parse("15 1 * * 0", zone)),
            ],
            (job, trigger, _) =>
            {
                trigger.Should().Be(JobScheduler.ScheduleTrigger);
                lock (fired)
                {
                    fired.Add($"{Format(clock.GetUtcNow())} {job}");
                }

                return Task.CompletedTask;
            },
            clock,
            new LogCapture().Logger);
        var driver = new SchedulerDriver(clock, scheduler);
        using var stop = new CancellationTokenSource();

        var run = scheduler.RunAsync(stop.Token);
        while (clock.GetUtcNow() < At(to))
        {
            await driver.AdvanceAsync(TimeSpan.FromHours(1));
        }

        await stop.CancelAsync();
        await run;
        fired.Should().Equal(expected);
        scheduler.GetNextRun("nightly").Should().Be(At(nextNightly));
    }

    private static DateTimeOffset At(string utc) =>
        DateTimeOffset.ParseExact(utc, "yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
}

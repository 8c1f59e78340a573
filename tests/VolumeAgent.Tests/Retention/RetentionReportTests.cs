using VolumeAgent.Retention;

namespace VolumeAgent.Tests.Retention;

public sealed class RetentionReportTests
{
    [Fact]
    public void Format_DecisionsInBerlin_ShowsLocalTimeWithOffsetIdActionStateAndReasons()
    {
        RetentionDecision[] decisions =
        [
            new(new("20261025T012000Z-b2", new DateTimeOffset(2026, 10, 25, 1, 20, 0, TimeSpan.Zero), RetentionSetState.Failed),
                true, ["newer than the newest successful set"]),
            new(new("20261025T005000Z-a1", new DateTimeOffset(2026, 10, 25, 0, 50, 0, TimeSpan.Zero), RetentionSetState.Succeeded),
                true, ["newest successful", "hourly 2026-10-25 02:00"]),
            new(new("20261024T233000Z-c3", new DateTimeOffset(2026, 10, 24, 23, 30, 0, TimeSpan.Zero), RetentionSetState.Incomplete),
                false, ["incomplete"]),
            new(new("x", new DateTimeOffset(2026, 3, 1, 2, 0, 0, TimeSpan.Zero), RetentionSetState.Succeeded),
                false, ["no rule keeps it"]),
        ];

        var table = RetentionReport.Format(decisions, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));

        table.Should().Be(
            "TIME (Europe/Berlin)        SET                  ACTION  STATE       REASONS\n" +
            "2026-10-25 02:20:00 +01:00  20261025T012000Z-b2  KEEP    failed      newer than the newest successful set\n" +
            "2026-10-25 02:50:00 +02:00  20261025T005000Z-a1  KEEP    succeeded   newest successful, hourly 2026-10-25 02:00\n" +
            "2026-10-25 01:30:00 +02:00  20261024T233000Z-c3  DELETE  incomplete  incomplete\n" +
            "2026-03-01 03:00:00 +01:00  x                    DELETE  succeeded   no rule keeps it\n");
    }

    [Fact]
    public void Format_LongZoneId_WidensTheTimeColumn()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Argentina/Buenos_Aires");
        RetentionDecision[] decisions =
        [
            new(new("s", new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), RetentionSetState.Succeeded),
                true, ["no retention rules"]),
        ];

        RetentionReport.Format(decisions, zone).Should().Be(
            "TIME (America/Argentina/Buenos_Aires)  SET  ACTION  STATE       REASONS\n" +
            "2026-01-01 09:00:00 -03:00             s    KEEP    succeeded   no retention rules\n");
    }

    [Fact]
    public void Format_NoDecisions_SaysThereAreNoSets()
    {
        RetentionReport.Format([], TimeZoneInfo.Utc).Should().Be("no backup sets\n");
    }
}

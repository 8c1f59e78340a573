using System.Globalization;
using VolumeAgent.Scheduling;

namespace VolumeAgent.Tests.Scheduling;

public sealed class ZonedCronTests
{
    // Europe/Berlin 2026: CET (+01:00) until 2026-03-29 01:00 UTC, CEST (+02:00) until 2026-10-25 01:00 UTC.
    // America/New_York 2026: EST (-05:00) until 2026-03-08 07:00 UTC, EDT (-04:00) until 2026-11-01 06:00 UTC.
    [Theory]
    // A daily time inside the spring gap runs once, when the gap ends (03:00 CEST); the day after is on CEST.
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00Z", "2026-03-28T01:30Z 2026-03-29T01:00Z 2026-03-30T00:30Z 2026-03-31T00:30Z")]
    // A daily time inside the repeated hour runs once, in its first (daylight) pass.
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-10-23T12:00Z", "2026-10-24T00:30Z 2026-10-25T00:30Z 2026-10-26T01:30Z")]
    [InlineData("0 2 * * *", "Europe/Berlin", "2026-03-28T12:00Z", "2026-03-29T01:00Z 2026-03-30T00:00Z")]
    [InlineData("0 2 * * *", "Europe/Berlin", "2026-10-24T12:00Z", "2026-10-25T00:00Z 2026-10-26T01:00Z")]
    // Hourly: the skipped 02:00 and 03:00 CEST are one instant; the repeated 02:00 fires in both passes.
    [InlineData("0 * * * *", "Europe/Berlin", "2026-03-28T23:30Z", "2026-03-29T00:00Z 2026-03-29T01:00Z 2026-03-29T02:00Z 2026-03-29T03:00Z")]
    [InlineData("0 * * * *", "Europe/Berlin", "2026-10-24T22:30Z", "2026-10-24T23:00Z 2026-10-25T00:00Z 2026-10-25T01:00Z 2026-10-25T02:00Z 2026-10-25T03:00Z")]
    [InlineData("*/30 * * * *", "Europe/Berlin", "2026-03-28T23:45Z", "2026-03-29T00:00Z 2026-03-29T00:30Z 2026-03-29T01:00Z 2026-03-29T01:30Z")]
    [InlineData("*/30 * * * *", "Europe/Berlin", "2026-10-24T23:45Z", "2026-10-25T00:00Z 2026-10-25T00:30Z 2026-10-25T01:00Z 2026-10-25T01:30Z 2026-10-25T02:00Z")]
    // 03:00 exists once on both change days: right after the gap in spring, right after the repeated hour in autumn.
    [InlineData("0 3 * * *", "Europe/Berlin", "2026-03-27T12:00Z", "2026-03-28T02:00Z 2026-03-29T01:00Z 2026-03-30T01:00Z")]
    [InlineData("0 3 * * *", "Europe/Berlin", "2026-10-23T12:00Z", "2026-10-24T01:00Z 2026-10-25T02:00Z 2026-10-26T02:00Z")]
    // Times outside the changes keep their wall-clock time, so their UTC instant moves by an hour.
    [InlineData("15 1 * * 0", "Europe/Berlin", "2026-03-21T00:00Z", "2026-03-22T00:15Z 2026-03-29T00:15Z 2026-04-04T23:15Z")]
    [InlineData("@daily", "Europe/Berlin", "2026-03-28T12:00Z", "2026-03-28T23:00Z 2026-03-29T22:00Z")]
    [InlineData("@midnight", "Europe/Berlin", "2026-10-24T12:00Z", "2026-10-24T22:00Z 2026-10-25T23:00Z")]
    [InlineData("@weekly", "Europe/Berlin", "2026-03-20T12:00Z", "2026-03-21T23:00Z 2026-03-28T23:00Z 2026-04-04T22:00Z")]
    [InlineData("@monthly", "Europe/Berlin", "2026-02-15T00:00Z", "2026-02-28T23:00Z 2026-03-31T22:00Z 2026-04-30T22:00Z")]
    [InlineData("@monthly", "Europe/Berlin", "2026-09-15T00:00Z", "2026-09-30T22:00Z 2026-10-31T23:00Z")]
    [InlineData("@yearly", "Europe/Berlin", "2026-03-29T01:00Z", "2026-12-31T23:00Z 2027-12-31T23:00Z")]
    [InlineData("@hourly", "UTC", "2026-03-29T00:30Z", "2026-03-29T01:00Z 2026-03-29T02:00Z 2026-03-29T03:00Z")]
    [InlineData("30 2 * * *", "UTC", "2026-03-28T12:00Z", "2026-03-29T02:30Z 2026-03-30T02:30Z")]
    [InlineData("*/30 * * * *", "UTC", "2026-10-25T00:15Z", "2026-10-25T00:30Z 2026-10-25T01:00Z 2026-10-25T01:30Z")]
    [InlineData("30 2 * * *", "America/New_York", "2026-03-07T12:00Z", "2026-03-08T07:00Z 2026-03-09T06:30Z")]
    [InlineData("0 * * * *", "America/New_York", "2026-03-08T06:30Z", "2026-03-08T07:00Z 2026-03-08T08:00Z")]
    [InlineData("30 1 * * *", "America/New_York", "2026-10-31T12:00Z", "2026-11-01T05:30Z 2026-11-02T06:30Z")]
    [InlineData("*/30 * * * *", "America/New_York", "2026-11-01T04:45Z", "2026-11-01T05:00Z 2026-11-01T05:30Z 2026-11-01T06:00Z 2026-11-01T06:30Z 2026-11-01T07:00Z")]
    [InlineData("0 */6 * * *", "America/New_York", "2026-10-31T12:00Z", "2026-10-31T16:00Z 2026-10-31T22:00Z 2026-11-01T04:00Z 2026-11-01T11:00Z")]
    public void NextAfter_AcrossChanges_FiresAtTheListedInstants(string expression, string zoneId, string fromUtc, string expected)
    {
        var cron = ZonedCron.Parse(expression, TimeZoneInfo.FindSystemTimeZoneById(zoneId));

        var instants = Sequence(cron, At(fromUtc), expected.Split(' ').Length);

        instants.Select(Format).Should().Equal(expected.Split(' '));
    }

    [Theory]
    // Second pass of the repeated hour: a daily time already had its run in the first pass.
    [InlineData("30 2 * * *", "2026-10-25T01:10Z", "2026-10-26T01:30Z")]
    [InlineData("0 2 * * *", "2026-10-25T01:00Z", "2026-10-26T01:00Z")]
    // First pass, past the last interval time of the hour: the second pass comes next, from its start.
    [InlineData("0 * * * *", "2026-10-25T00:40Z", "2026-10-25T01:00Z")]
    [InlineData("*/15 * * * *", "2026-10-25T00:50Z", "2026-10-25T01:00Z")]
    // First pass, an interval time still ahead in it comes before the second pass.
    [InlineData("*/15 * * * *", "2026-10-25T00:20Z", "2026-10-25T00:30Z")]
    // Second pass: the rest of the second pass.
    [InlineData("*/15 * * * *", "2026-10-25T01:20Z", "2026-10-25T01:30Z")]
    [InlineData("*/15 * * * *", "2026-10-25T01:50Z", "2026-10-25T02:00Z")]
    // Inside the spring gap's instant: the gap already ended, the next time is an ordinary one.
    [InlineData("*/15 * * * *", "2026-03-29T00:50Z", "2026-03-29T01:00Z")]
    [InlineData("*/15 * * * *", "2026-03-29T01:00Z", "2026-03-29T01:15Z")]
    [InlineData("30 2 * * *", "2026-03-29T01:00Z", "2026-03-30T00:30Z")]
    public void NextAfter_FromInsideAChange_PicksTheNextFiringOnly(string expression, string fromUtc, string expected)
    {
        var cron = ZonedCron.Parse(expression, Berlin);

        Format(cron.NextAfter(At(fromUtc))!.Value).Should().Be(expected);
    }

    [Theory]
    [InlineData("2026-05-04T00:30:00Z", "2026-05-05T00:30:00Z")]
    [InlineData("2026-05-04T00:29:59.9990000Z", "2026-05-04T00:30:00Z")]
    [InlineData("2026-05-04T00:30:00.0010000Z", "2026-05-05T00:30:00Z")]
    public void NextAfter_AroundAFiringInstant_IsStrictlyAfter(string from, string expected)
    {
        var cron = ZonedCron.Parse("30 2 * * *", Berlin);

        cron.NextAfter(DateTimeOffset.Parse(from, CultureInfo.InvariantCulture))
            .Should().Be(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void NextAfter_InstantWithAnOffset_AnswersInUtc()
    {
        var cron = ZonedCron.Parse("30 2 * * *", Berlin);
        var from = new DateTimeOffset(2026, 5, 4, 9, 0, 0, TimeSpan.FromHours(-7));

        var next = cron.NextAfter(from)!.Value;

        next.Offset.Should().Be(TimeSpan.Zero);
        next.Should().Be(new DateTimeOffset(2026, 5, 5, 0, 30, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("@hourly")]
    [InlineData("@daily")]
    [InlineData("@midnight")]
    [InlineData("@weekly")]
    [InlineData("@monthly")]
    [InlineData("@yearly")]
    [InlineData("@annually")]
    public void Parse_Shorthand_FiresAsItsFiveFields(string macro)
    {
        var fields = CronMacros.TryExpand(macro)!;
        var shorthand = ZonedCron.Parse(macro.ToUpperInvariant(), Berlin);
        var written = ZonedCron.Parse(fields, Berlin);

        shorthand.Fields.Should().Be(fields);
        Sequence(shorthand, At("2026-01-01T00:00Z"), 30).Should().Equal(Sequence(written, At("2026-01-01T00:00Z"), 30));
    }

    [Fact]
    public void Parse_BothDayFieldsRestricted_FiresWhenEitherMatches()
    {
        // 2026-06-01 is a Monday.
        var cron = ZonedCron.Parse("0 12 1 * 3", TimeZoneInfo.Utc);

        Sequence(cron, At("2026-06-01T00:00Z"), 6).Select(Format).Should().Equal(
            "2026-06-01T12:00Z", "2026-06-03T12:00Z", "2026-06-10T12:00Z", "2026-06-17T12:00Z", "2026-06-24T12:00Z", "2026-07-01T12:00Z");
    }

    [Theory]
    [InlineData("0 12 * * 3")]
    // As in cron, a day-of-month field starting with "*" counts as unrestricted: odd days do not fire.
    [InlineData("0 12 */2 * 3")]
    public void Parse_DayOfMonthStarred_FiresOnTheWeekdayOnly(string expression)
    {
        var cron = ZonedCron.Parse(expression, TimeZoneInfo.Utc);

        var firings = Sequence(cron, At("2026-06-01T00:00Z"), 8);

        firings.Should().HaveCount(8).And.OnlyContain(f => f.DayOfWeek == DayOfWeek.Wednesday);
        Format(firings[0]).Should().Be("2026-06-03T12:00Z");
    }

    [Theory]
    [InlineData("0 12 * * 7", "0 12 * * 0")]
    [InlineData("0 12 * * 5-7", "0 12 * * 5,6,0")]
    [InlineData("0 12 * * 0-7", "0 12 * * *")]
    [InlineData("0 12 * * 1-7/2", "0 12 * * 1,3,5,0")]
    [InlineData("0 12 * * 2-7/2", "0 12 * * 2,4,6")]
    [InlineData("0 12 * * 7/3", "0 12 * * 0")]
    [InlineData("0 12 * * 3,7", "0 12 * * SUN,WED")]
    public void Parse_SevenInDayOfWeek_MeansSunday(string withSeven, string equivalent)
    {
        var from = At("2026-06-01T00:00Z");

        Sequence(ZonedCron.Parse(withSeven, Berlin), from, 20)
            .Should().Equal(Sequence(ZonedCron.Parse(equivalent, Berlin), from, 20));
    }

    [Theory]
    [InlineData("*/15 * * * *", true)]
    [InlineData("0 * * * *", true)]
    [InlineData("@hourly", true)]
    [InlineData("0 0-23 * * *", true)]
    [InlineData("0 */1 * * *", true)]
    [InlineData("0 */2 * * *", false)]
    [InlineData("30 2 * * *", false)]
    [InlineData("*/5 1-3 * * *", false)]
    public void Parse_HourField_DecidesWhetherBothPassesFire(string expression, bool everyHour)
    {
        ZonedCron.Parse(expression, Berlin).FiresEveryHour.Should().Be(everyHour);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("* * * *", "has 4 fields")]
    [InlineData("0 * * * * *", "seconds field is not supported")]
    [InlineData("61 * * * *", "invalid minute field \"61\"")]
    [InlineData("0 24 * * *", "invalid hour field \"24\"")]
    [InlineData("0 0 0 * *", "invalid day-of-month field \"0\"")]
    [InlineData("0 0 * 13 *", "invalid month field \"13\"")]
    [InlineData("0 0 * * 8", "invalid day-of-week field \"8\"")]
    [InlineData("0 0 * * FUNDAY", "invalid day-of-week field \"FUNDAY\"")]
    [InlineData("every day", "has 2 fields")]
    [InlineData("@reboot", "not a known shorthand")]
    [InlineData("0 0 30 2 *", "never fires")]
    [InlineData("0 0 31 4,6,9,11 *", "never fires")]
    public void Parse_Invalid_ThrowsFormatExceptionNamingExpressionAndProblem(string expression, string problem)
    {
        var parse = () => ZonedCron.Parse(expression, Berlin);

        var error = parse.Should().Throw<FormatException>().Which;
        error.Message.Should().Contain(problem);
        if (expression.Trim().Length > 0)
        {
            error.Message.Should().Contain($"\"{expression}\"");
        }
    }

    [Fact]
    public void TryParse_Invalid_ReportsTheSameMessageParseThrows()
    {
        ZonedCron.TryParse("0 25 * * *", Berlin, out var cron, out var error).Should().BeFalse();

        cron.Should().BeNull();
        var parse = () => ZonedCron.Parse("0 25 * * *", Berlin);
        parse.Should().Throw<FormatException>().Which.Message.Should().Be(error);
    }

    [Fact]
    public void Parse_LeapDay_FiresOnlyInLeapYears()
    {
        var cron = ZonedCron.Parse("0 0 29 2 *", TimeZoneInfo.Utc);

        Sequence(cron, At("2026-01-01T00:00Z"), 2).Select(Format).Should().Equal("2028-02-29T00:00Z", "2032-02-29T00:00Z");
    }

    [Fact]
    public void Parse_SpacesAndTabsBetweenFields_Accepted()
    {
        var cron = ZonedCron.Parse(" 30\t2  * *  * ", Berlin);

        cron.Fields.Should().Be("30 2 * * *");
    }

    private static TimeZoneInfo Berlin => TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static List<DateTimeOffset> Sequence(ZonedCron cron, DateTimeOffset from, int count)
    {
        var result = new List<DateTimeOffset>();
        var at = from;
        while (result.Count < count && cron.NextAfter(at) is { } next)
        {
            next.Should().BeAfter(at);
            result.Add(next);
            at = next;
        }

        return result;
    }

    private static DateTimeOffset At(string utc) =>
        DateTimeOffset.ParseExact(utc, "yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture);
}

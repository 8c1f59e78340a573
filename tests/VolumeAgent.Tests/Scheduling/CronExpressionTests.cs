using System.Globalization;
using VolumeAgent.Scheduling;

namespace VolumeAgent.Tests.Scheduling;

public sealed class CronExpressionTests
{
    // A fixed wall-clock start, so results never depend on today's date or daylight saving time.
    private static readonly DateTime Start = new(2025, 3, 12, 10, 17, 0, DateTimeKind.Unspecified); // a Wednesday

    [Theory]
    [InlineData("@hourly", "0 * * * *", "2025-03-12T11:00:00")]
    [InlineData("@daily", "0 0 * * *", "2025-03-13T00:00:00")]
    [InlineData("@midnight", "0 0 * * *", "2025-03-13T00:00:00")]
    [InlineData("@weekly", "0 0 * * 0", "2025-03-16T00:00:00")]
    [InlineData("@monthly", "0 0 1 * *", "2025-04-01T00:00:00")]
    [InlineData("@yearly", "0 0 1 1 *", "2026-01-01T00:00:00")]
    [InlineData("@annually", "0 0 1 1 *", "2026-01-01T00:00:00")]
    [InlineData("@DAILY", "0 0 * * *", "2025-03-13T00:00:00")]
    public void Parse_Macro_StandsForItsFiveFields(string macro, string fields, string next)
    {
        var cron = CronExpression.Parse(macro);

        cron.Expression.Should().Be(macro, "the text as written is kept");
        cron.Fields.Should().Be(fields);
        cron.NextLocal(Start).Should().Be(Local(next));
    }

    [Theory]
    [InlineData("0 2 * * *", "2025-03-13T02:00:00")]
    [InlineData("*/15 * * * *", "2025-03-12T10:30:00")]
    [InlineData("0 5 * * 0", "2025-03-16T05:00:00")]
    [InlineData("0 6 15 * SUN", "2025-03-15T06:00:00")]
    [InlineData("0 0 31 4 MON", "2025-04-07T00:00:00")]
    [InlineData("0 0 29 2 *", "2028-02-29T00:00:00")]
    public void Parse_FiveFields_KeepsTheTextAndFindsTheNextOccurrence(string expression, string next)
    {
        var cron = CronExpression.Parse(expression);

        cron.Expression.Should().Be(expression);
        cron.ToString().Should().Be(expression);
        cron.NextLocal(Start).Should().Be(Local(next));
    }

    [Theory]
    [InlineData("0 2 * * 7")]
    [InlineData("0 2 * * 0")]
    [InlineData("0 2 * * SUN")]
    [InlineData("0 2 * * 6-7")]
    public void NextLocal_SundayWrittenAsSevenOrZero_FiresOnSunday(string expression)
    {
        var next = CronExpression.Parse(expression).NextLocal(Start);

        next.Should().NotBeNull();
        next!.Value.DayOfWeek.Should().BeOneOf(DayOfWeek.Sunday, DayOfWeek.Saturday);
        CronExpression.Parse(expression).NextLocal(new DateTime(2025, 3, 15, 3, 0, 0)).Should().Be(Local("2025-03-16T02:00:00"), "Sunday the 16th");
    }

    [Theory]
    // Hours 23 through 3 run across midnight: 23, 0, 1, 2, 3, never 4 to 22 (NCrontab alone reads 3-23).
    [InlineData("30 23-3 * * *", "2025-03-12T10:17:00", "2025-03-12T23:30:00 2025-03-13T00:30:00 2025-03-13T01:30:00 2025-03-13T02:30:00 2025-03-13T03:30:00 2025-03-13T23:30:00")]
    // The step counts along the wrapped run: 22, 0, 2.
    [InlineData("0 22-2/2 * * *", "2025-03-12T10:17:00", "2025-03-12T22:00:00 2025-03-13T00:00:00 2025-03-13T02:00:00 2025-03-13T22:00:00")]
    // Minutes 50 through 10.
    [InlineData("50-10/10 4 * * *", "2025-03-12T10:17:00", "2025-03-13T04:00:00 2025-03-13T04:10:00 2025-03-13T04:50:00 2025-03-14T04:00:00")]
    // Friday to Monday, by name and by number (Wednesday the 12th is outside).
    [InlineData("0 6 * * FRI-MON", "2025-03-12T10:17:00", "2025-03-14T06:00:00 2025-03-15T06:00:00 2025-03-16T06:00:00 2025-03-17T06:00:00 2025-03-21T06:00:00")]
    [InlineData("0 6 * * 5-1", "2025-03-12T10:17:00", "2025-03-14T06:00:00 2025-03-15T06:00:00 2025-03-16T06:00:00 2025-03-17T06:00:00 2025-03-21T06:00:00")]
    // November to February.
    [InlineData("0 0 1 NOV-FEB *", "2025-03-12T10:17:00", "2025-11-01T00:00:00 2025-12-01T00:00:00 2026-01-01T00:00:00 2026-02-01T00:00:00 2026-11-01T00:00:00")]
    public void NextLocal_RangeWrappingAroundItsField_RunsThroughTheEndAndOnFromTheStart(string expression, string from, string expected)
    {
        var cron = CronExpression.Parse(expression);

        var times = new List<DateTime>();
        for (var at = Local(from); times.Count < expected.Split(' ').Length;)
        {
            at = cron.NextLocal(at) ?? throw new InvalidOperationException("no next time");
            times.Add(at);
        }

        times.Select(t => t.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)).Should().Equal(expected.Split(' '));
    }

    [Fact]
    public void NextLocal_DayOfMonthAndDayOfWeekBothRestricted_MatchesEitherLikeCron()
    {
        // 1st and 15th of the month, or any weekday: Thursday the 13th matches by weekday alone.
        var cron = CronExpression.Parse("30 4 1,15 * MON-FRI");

        cron.NextLocal(Start).Should().Be(new DateTime(2025, 3, 13, 4, 30, 0, DateTimeKind.Unspecified));
        cron.NextLocal(new DateTime(2025, 3, 14, 5, 0, 0, DateTimeKind.Unspecified))
            .Should().Be(new DateTime(2025, 3, 15, 4, 30, 0, DateTimeKind.Unspecified), "Saturday the 15th matches by day of month alone");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0 2 * *", "has 4 fields")]
    [InlineData("0 0 2 * * *", "seconds field is not supported")]
    [InlineData("60 * * * *", "invalid minute field \"60\"")]
    [InlineData("0 24 * * *", "invalid hour field \"24\"")]
    [InlineData("0 25-3 * * *", "invalid hour field \"25-3\"")]
    [InlineData("0 0 * 13 *", "invalid month field \"13\"")]
    [InlineData("@reboot", "\"@reboot\" is not a known shorthand")]
    [InlineData("@every 5m", "is not a known shorthand")]
    [InlineData("0 0 31 4 *", "never fires")]
    [InlineData("0 0 30 2 *", "never fires")]
    public void TryParse_InvalidExpression_ExplainsWhy(string expression, string reason)
    {
        CronExpression.TryParse(expression, out var cron, out var error).Should().BeFalse();

        cron.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public void Parse_InvalidExpression_ThrowsFormatException()
    {
        var act = () => CronExpression.Parse("nonsense");

        act.Should().Throw<FormatException>().WithMessage("*nonsense*");
    }

    private static DateTime Local(string text) =>
        DateTime.ParseExact(text, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None);
}

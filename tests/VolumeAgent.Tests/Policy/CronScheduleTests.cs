using VolumeAgent.Policy;

namespace VolumeAgent.Tests.Policy;

public sealed class CronScheduleTests
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
        var schedule = CronSchedule.Parse(macro);

        schedule.Expression.Should().Be(macro, "the text as written is kept");
        schedule.CronExpression.Should().Be(fields);
        schedule.GetNextOccurrence(Start).Should().Be(DateTime.Parse(next, System.Globalization.CultureInfo.InvariantCulture));
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
        var schedule = CronSchedule.Parse(expression);

        schedule.Expression.Should().Be(expression);
        schedule.ToString().Should().Be(expression);
        schedule.GetNextOccurrence(Start).Should().Be(DateTime.Parse(next, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("0 2 * *", "5 components")]
    [InlineData("0 0 2 * * *", "5 components")]
    [InlineData("60 * * * *", "Minute")]
    [InlineData("0 24 * * *", "Hour")]
    [InlineData("0 0 * 13 *", "Month")]
    [InlineData("@reboot", "'@reboot' is not a supported macro")]
    [InlineData("@every 5m", "is not a supported macro")]
    [InlineData("0 0 31 4 *", "never matches a date")]
    [InlineData("0 0 30 2 *", "never matches a date")]
    public void TryParse_InvalidExpression_ExplainsWhy(string expression, string reason)
    {
        CronSchedule.TryParse(expression, out var schedule, out var error).Should().BeFalse();

        schedule.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public void GetNextOccurrence_DayOfMonthAndDayOfWeekBothRestricted_MatchesEitherLikeCron()
    {
        // 1st and 15th of the month, or any weekday: Thursday the 13th matches by weekday alone.
        var schedule = CronSchedule.Parse("30 4 1,15 * MON-FRI");

        schedule.GetNextOccurrence(Start).Should().Be(new DateTime(2025, 3, 13, 4, 30, 0, DateTimeKind.Unspecified));
        schedule.GetNextOccurrence(new DateTime(2025, 3, 14, 5, 0, 0, DateTimeKind.Unspecified))
            .Should().Be(new DateTime(2025, 3, 15, 4, 30, 0, DateTimeKind.Unspecified), "Saturday the 15th matches by day of month alone");
    }

    [Fact]
    public void GetNextOccurrence_NothingBeforeEnd_ReturnsEnd()
    {
        var end = Start.AddMinutes(30);

        CronSchedule.Parse("@daily").GetNextOccurrence(Start, end).Should().Be(end);
    }

    [Fact]
    public void Parse_InvalidExpression_ThrowsFormatException()
    {
        var act = () => CronSchedule.Parse("nonsense");

        act.Should().Throw<FormatException>().WithMessage("*nonsense*");
    }
}

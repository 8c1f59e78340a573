using System.Globalization;
using VolumeAgent.Retention;

namespace VolumeAgent.Tests.Retention;

public sealed class RetentionPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(RetentionPlannerCases.All), MemberType = typeof(RetentionPlannerCases))]
    public void Plan_History_DecidesEverySetAsWrittenOut(PlanCase planCase)
    {
        var decisions = RetentionPlanner.Plan(planCase.Candidates, planCase.Rules.ToRules(), planCase.Zone, planCase.NowValue);

        Describe(decisions).Should().Equal(planCase.Expected);
    }

    [Theory]
    [MemberData(nameof(RetentionPlannerCases.All), MemberType = typeof(RetentionPlannerCases))]
    public void Plan_HistoryInAnotherOrder_DecidesTheSame(PlanCase planCase)
    {
        var sets = planCase.Candidates.ToList();
        var reversed = Enumerable.Reverse(sets).ToList();
        var interleaved = sets.Where((_, i) => i % 2 == 1).Concat(sets.Where((_, i) => i % 2 == 0)).ToList();

        foreach (var order in new[] { reversed, interleaved })
        {
            var decisions = RetentionPlanner.Plan(order, planCase.Rules.ToRules(), planCase.Zone, planCase.NowValue);
            Describe(decisions).Should().Equal(planCase.Expected);
        }
    }

    [Fact]
    public void Plan_Decisions_CarryTheCandidatesThemselves()
    {
        var older = new RetentionCandidate("a", Now.AddDays(-2), RetentionSetState.Succeeded);
        var newer = new RetentionCandidate("b", Now.AddDays(-1), RetentionSetState.Failed);

        var decisions = RetentionPlanner.Plan([older, newer], RetentionRules.None with { KeepLast = 1 }, TimeZoneInfo.Utc, Now);

        decisions.Select(d => d.Set).Should().Equal(newer, older);
    }

    public static TheoryData<string, RetentionRulesData> NegativeRules => new()
    {
        { "keep_last", new(Last: -1) },
        { "keep_hourly", new(Hourly: -1) },
        { "keep_daily", new(Daily: -2, Last: 3) },
        { "keep_weekly", new(Weekly: -1) },
        { "keep_monthly", new(Monthly: -1) },
        { "keep_yearly", new(Yearly: -1) },
        { "keep_within", new(Within: "-01:00:00") },
    };

    [Theory]
    [MemberData(nameof(NegativeRules))]
    public void Plan_NegativeRule_ThrowsNamingTheRule(string ruleName, RetentionRulesData rules)
    {
        var act = () => RetentionPlanner.Plan([], rules.ToRules(), TimeZoneInfo.Utc, Now);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*{ruleName}*");
    }

    [Fact]
    public void Plan_SameIdTwice_ThrowsNamingTheSet()
    {
        RetentionCandidate[] sets =
        [
            new("20260330T020000Z-a1", Now.AddDays(-1), RetentionSetState.Succeeded),
            new("20260330T020000Z-a1", Now.AddDays(-1), RetentionSetState.Failed),
        ];

        var act = () => RetentionPlanner.Plan(sets, RetentionRules.None, TimeZoneInfo.Utc, Now);

        act.Should().Throw<ArgumentException>().WithMessage("*'20260330T020000Z-a1'*twice*");
    }

    public static TheoryData<RetentionRulesData, bool> Emptiness => new()
    {
        { new(), true },
        { new(Within: "00:00:00"), true },
        { new(Last: 1), false },
        { new(Hourly: 1), false },
        { new(Daily: 1), false },
        { new(Weekly: 1), false },
        { new(Monthly: 1), false },
        { new(Yearly: 1), false },
        { new(Within: "00:01:00"), false },
    };

    [Theory]
    [MemberData(nameof(Emptiness))]
    public void IsEmpty_Rules_TrueOnlyWhenNoRuleIsOn(RetentionRulesData rules, bool expected)
    {
        rules.ToRules().IsEmpty.Should().Be(expected);
    }

    [Fact]
    public void None_IsEmpty()
    {
        RetentionRules.None.IsEmpty.Should().BeTrue();
        RetentionRules.None.Should().Be(new RetentionRules(0, 0, 0, 0, 0, 0, null));
    }

    [Fact]
    public void Plan_KeepWithinZero_IsNoRuleAndKeepsEverything()
    {
        var sets = new[]
        {
            new RetentionCandidate("a", Now.AddDays(-400), RetentionSetState.Failed),
            new RetentionCandidate("b", Now.AddDays(-1), RetentionSetState.Succeeded),
        };

        var decisions = RetentionPlanner.Plan(sets, RetentionRules.None with { KeepWithin = TimeSpan.Zero }, TimeZoneInfo.Utc, Now);

        decisions.Should().OnlyContain(d => d.Keep && d.Reasons.SequenceEqual(new[] { "no retention rules" }));
    }

    [Fact]
    public void Plan_KeepWithinLongerThanAllOfTime_KeepsEverySuccessfulSetWithoutOverflow()
    {
        var sets = new[]
        {
            new RetentionCandidate("a", DateTimeOffset.MinValue, RetentionSetState.Succeeded),
            new RetentionCandidate("b", Now, RetentionSetState.Succeeded),
        };

        var decisions = RetentionPlanner.Plan(sets, RetentionRules.None with { KeepWithin = TimeSpan.MaxValue }, TimeZoneInfo.Utc, Now);

        decisions.Should().OnlyContain(d => d.Keep);
    }

    [Theory]
    [InlineData("30.00:00:00", "30d")]
    [InlineData("01:00:00", "1h")]
    [InlineData("1.12:00:00", "1d12h")]
    [InlineData("01:30:00", "1h30m")]
    [InlineData("00:00:45", "45s")]
    [InlineData("2.00:00:05", "2d5s")]
    [InlineData("00:00:00.250", "250ms")]
    public void FormatSpan_Span_UsesTheUnitsAPersonWrites(string span, string expected)
    {
        RetentionReasons.FormatSpan(TimeSpan.Parse(span, CultureInfo.InvariantCulture)).Should().Be(expected);
    }

    [Fact]
    public void FindSystemTimeZoneById_BerlinUnderInvariantGlobalization_ResolvesWithItsDstRules()
    {
        AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant).Should().BeTrue();
        invariant.Should().BeTrue("the agent runs with InvariantGlobalization and so must this check");

        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        berlin.GetUtcOffset(new DateTimeOffset(2026, 3, 29, 0, 59, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromHours(1));
        berlin.GetUtcOffset(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromHours(2));
        berlin.GetUtcOffset(new DateTimeOffset(2026, 10, 25, 0, 59, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromHours(2));
        berlin.GetUtcOffset(new DateTimeOffset(2026, 10, 25, 1, 0, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromHours(1));
    }

    private static List<string> Describe(IReadOnlyList<RetentionDecision> decisions) =>
        decisions.Select(d => $"{d.Set.Id} {(d.Keep ? "KEEP" : "DELETE")}: {string.Join(", ", d.Reasons)}").ToList();
}

namespace VolumeAgent.Tests.Scheduling;

public sealed class FakeTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Advance_TimersFallDue_FiresThemInDueOrderWithTheClockAtEachDueTime()
    {
        var clock = new FakeTimeProvider(Start);
        var fired = new List<string>();
        using var late = clock.CreateTimer(_ => fired.Add($"late {clock.GetUtcNow():HH:mm}"), null, TimeSpan.FromMinutes(30), Timeout.InfiniteTimeSpan);
        using var early = clock.CreateTimer(_ => fired.Add($"early {clock.GetUtcNow():HH:mm}"), null, TimeSpan.FromMinutes(10), Timeout.InfiniteTimeSpan);
        using var beyond = clock.CreateTimer(_ => fired.Add("beyond"), null, TimeSpan.FromHours(2), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromHours(1));

        fired.Should().Equal("early 00:10", "late 00:30");
        clock.GetUtcNow().Should().Be(Start.AddHours(1));
        clock.UntilNextTimer.Should().Be(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Advance_PeriodicTimer_FiresOncePerPeriod()
    {
        var clock = new FakeTimeProvider(Start);
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));

        clock.Advance(TimeSpan.FromMinutes(21));

        count.Should().Be(5);
    }

    [Fact]
    public void Change_ToInfinite_Disarms_AndAfterDisposeReturnsFalse()
    {
        var clock = new FakeTimeProvider(Start);
        var count = 0;
        var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan).Should().BeTrue();
        clock.Advance(TimeSpan.FromMinutes(5));
        timer.Change(TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan).Should().BeTrue();
        clock.Advance(TimeSpan.FromMinutes(1));
        timer.Dispose();
        timer.Dispose();

        count.Should().Be(1);
        timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan).Should().BeFalse();
        clock.TimerCount.Should().Be(0);
    }

    [Fact]
    public void Jump_MovesTheWallClockOnly()
    {
        var clock = new FakeTimeProvider(Start);
        var count = 0;
        using var timer = clock.CreateTimer(_ => count++, null, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan);
        var stamp = clock.GetTimestamp();

        clock.Jump(TimeSpan.FromHours(5));

        count.Should().Be(0);
        clock.GetUtcNow().Should().Be(Start.AddHours(5));
        clock.GetTimestamp().Should().Be(stamp);
        clock.Advance(TimeSpan.FromMinutes(1));
        count.Should().Be(1);
        clock.GetUtcNow().Should().Be(Start.AddHours(5).AddMinutes(1));
    }

    [Fact]
    public async Task TaskDelay_OnTheFakeClock_CompletesOnlyWhenTimeIsAdvanced()
    {
        var clock = new FakeTimeProvider(Start);

        var delay = Task.Delay(TimeSpan.FromMinutes(3), clock);
        clock.Advance(TimeSpan.FromMinutes(2));
        delay.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromMinutes(1));

        await delay.WaitAsync(TimeSpan.FromSeconds(30));
        clock.GetElapsedTime(0).Should().Be(TimeSpan.FromMinutes(3));
    }
}

using VolumeAgent.Scheduling;

namespace VolumeAgent.Tests.Scheduling;

/// <summary>
/// Moves a fake clock under a running scheduler in steps that end at each timer's due time, letting the loop
/// catch up after each, so every firing happens at the instant it was due whatever thread runs the loop.
/// </summary>
internal sealed class SchedulerDriver(FakeTimeProvider clock, JobScheduler scheduler)
{
    // Guards against a hang when the code under test is broken; no assertion depends on it.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    public FakeTimeProvider Clock { get; } = clock;

    public async Task AdvanceAsync(TimeSpan delta)
    {
        await SettleAsync();
        var remaining = delta;
        while (Clock.UntilNextTimer is { } step && step <= remaining)
        {
            Clock.Advance(step);
            remaining -= step;
            await SettleAsync();
        }

        Clock.Advance(remaining);
        await SettleAsync();
    }

    public async Task AdvanceToAsync(DateTimeOffset instant) => await AdvanceAsync(instant - Clock.GetUtcNow());

    public async Task SettleAsync()
    {
        using var guard = new CancellationTokenSource(HangGuard);
        await scheduler.WhenWaitingAsync(guard.Token);
    }
}

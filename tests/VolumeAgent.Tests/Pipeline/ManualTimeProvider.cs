namespace VolumeAgent.Tests.Pipeline;

/// <summary>A clock that moves only when a test says so.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero).AddTicks(GetTimestamp());
}

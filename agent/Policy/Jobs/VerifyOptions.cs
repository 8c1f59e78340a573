using VolumeAgent.Scheduling;

namespace VolumeAgent.Policy.Jobs;

/// <summary>Checking a job's newest backup set: checksums always, and with <see cref="Drill"/> a trial restore.</summary>
internal sealed record VerifyOptions
{
    /// <summary>When to verify automatically; null means only on demand (<c>volume-agent verify</c>).</summary>
    public CronExpression? Schedule { get; init; }

    /// <summary>Also restore the set into throwaway volumes/containers to prove it restores.</summary>
    public bool Drill { get; init; }
}

namespace VolumeAgent.Policy.Hooks;

/// <summary>A command run with <c>docker exec</c> in a container before or after a job's backup.</summary>
internal sealed record HookOptions
{
    public required string Container { get; init; }

    /// <summary>The argument vector, run without a shell unless it names one.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public TimeSpan Timeout { get; init; } = PolicyDefaults.HookTimeout;
}

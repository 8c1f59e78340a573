namespace VolumeAgent.Policy.Hooks;

/// <summary>A command run with <c>docker exec</c> in a container before or after a job's backup.</summary>
internal sealed record HookOptions
{
    public required string Container { get; init; }

    /// <summary>The argument vector, run without a shell unless it names one.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The user the command runs as in its container (<c>user</c>, <c>user:group</c> or a uid); null: the container's own.</summary>
    public string? User { get; init; }

    public TimeSpan Timeout { get; init; } = PolicyDefaults.HookTimeout;
}

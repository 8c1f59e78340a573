namespace VolumeAgent.Policy.Hooks;

internal sealed record JobHooks
{
    public static JobHooks None { get; } = new();

    /// <summary>Run in order before anything is stopped or archived; a failure aborts the run.</summary>
    public IReadOnlyList<HookOptions> Before { get; init; } = [];

    /// <summary>Run in order after the backup, whether it succeeded or not.</summary>
    public IReadOnlyList<HookOptions> After { get; init; } = [];
}

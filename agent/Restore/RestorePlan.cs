namespace VolumeAgent.Restore;

/// <summary>A checked restore: every artifact read and found sound, every target looked at; nothing written yet.</summary>
internal sealed record RestorePlan
{
    public required StoredSet Set { get; init; }

    public required IReadOnlyList<IRestoreStep> Steps { get; init; }

    /// <summary>The engine each step runs on, by name (<see cref="Steps"/>' order); empty: the default engine for all.</summary>
    public IReadOnlyList<string> Engines { get; init; } = [];

    /// <summary>Artifacts of the set left out, and why (failed at backup time, not selected).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public bool Overwrites => Steps.Any(s => s.Overwrites);

    /// <summary>What to back up before the restore, so it can be undone: the targets whose data the steps replace.</summary>
    public IReadOnlyList<Policy.SourceOptions> SafetyCopies =>
        [.. Steps.Select((s, i) => (Step: s, Engine: EngineOf(i))).Where(s => s.Step.Overwrites && s.Step.SafetyCopy is not null)
            .Select(s => s.Step.SafetyCopy! with { Engine = s.Engine }).Distinct()];

    /// <summary>The name of the engine step <paramref name="index"/> runs on.</summary>
    public string EngineOf(int index) => index < Engines.Count ? Engines[index] : Docker.Engines.EngineRegistry.DefaultName;
}

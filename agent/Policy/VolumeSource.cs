namespace VolumeAgent.Policy;

/// <summary>A named Docker volume, archived by a helper container.</summary>
internal sealed record VolumeSource : SourceOptions
{
    public required string Volume { get; init; }

    /// <summary>tar exclude patterns, relative to the volume's root.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public override SourceKind Kind => SourceKind.Volume;

    protected override string DefaultArtifactName => "volume-" + Volume;

    public override string Describe() => "volume " + Volume + SourceText.Exclude(Exclude);
}

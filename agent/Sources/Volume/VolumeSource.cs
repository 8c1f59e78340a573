using VolumeAgent.Policy;

namespace VolumeAgent.Sources.Volume;

/// <summary>A named Docker volume, archived by a helper container.</summary>
internal sealed record VolumeSource : SourceOptions
{
    public required string Volume { get; init; }

    /// <summary>tar exclude patterns, relative to the volume's root.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public override string Kind => VolumeKind.Name;

    protected override string DefaultArtifactName => "volume-" + Volume;

    public override string Describe() => "volume " + Volume + SourceText.Exclude(Exclude);
}

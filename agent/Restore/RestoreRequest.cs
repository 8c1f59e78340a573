namespace VolumeAgent.Restore;

/// <summary>What to restore from a set and where to; empty and null members mean "everything, where it came from".</summary>
internal sealed record RestoreRequest
{
    /// <summary>Artifacts by file name (with or without its compression suffix), source name or database name.</summary>
    public IReadOnlyList<string> Artifacts { get; init; } = [];

    /// <summary>Restore the (one) volume or path artifact into this volume instead; created when missing.</summary>
    public string? ToVolume { get; init; }

    /// <summary>Restore the databases into this running container instead of the one they came from.</summary>
    public string? ToContainer { get; init; }

    /// <summary>Restore the (one) database artifact into a database of this name.</summary>
    public string? Database { get; init; }

    /// <summary>Replace non-empty targets: a volume's content, a database's objects.</summary>
    public bool Force { get; init; }

    /// <summary>Restore on this engine (<c>--engine</c>) instead of the one each artifact's manifest entry records.</summary>
    public string? Engine { get; init; }

    /// <summary>Replace data without backing it up first (<c>--no-safety-copy</c>).</summary>
    public bool NoSafetyCopy { get; init; }
}

namespace VolumeAgent.Policy;

/// <summary>One item of a job's <c>sources</c>: something that becomes one artifact (or, for databases, one per database).</summary>
internal abstract record SourceOptions
{
    /// <summary>The <c>name</c> key, when given; it replaces the default artifact name.</summary>
    public string? CustomName { get; init; }

    /// <summary>
    /// The artifact's base name within a backup set, unique within its job: <see cref="CustomName"/> or a
    /// default derived from the source (<c>volume-app_uploads</c>, <c>path-srv-nginx</c>, ...). File
    /// extensions are added by the pipeline.
    /// </summary>
    public string ArtifactName => CustomName ?? DefaultArtifactName;

    public abstract SourceKind Kind { get; }

    protected abstract string DefaultArtifactName { get; }

    /// <summary>A one-line human description, e.g. <c>postgres db (databases: app)</c>.</summary>
    public abstract string Describe();
}

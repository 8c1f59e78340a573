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

    /// <summary>
    /// The source's <c>stall_timeout</c>, else its job's, else the root's: how long one of its reads (or a storage
    /// write of its artifacts) may wait for a byte before the artifact fails.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = PolicyDefaults.StallTimeout;

    /// <summary>The source's <c>engine</c>: the engine its container or volume is on, and where its helpers and execs run.</summary>
    public string Engine { get; init; } = Docker.Engines.EngineRegistry.DefaultName;

    /// <summary>The source's <c>timeout</c>: how long all of its artifacts together may take; null for no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The backup.yml key of the source's kind (<c>volume</c>), under which <c>Sources/SourceKinds</c> finds it.</summary>
    public abstract string Kind { get; }

    protected abstract string DefaultArtifactName { get; }

    /// <summary>A one-line human description, e.g. <c>postgres db (databases: app)</c>.</summary>
    public abstract string Describe();
}

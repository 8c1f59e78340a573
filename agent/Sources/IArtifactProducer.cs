namespace VolumeAgent.Sources;

/// <summary>
/// One artifact's bytes: <see cref="OpenAsync"/> starts the producing process and returns its raw output;
/// once the caller has read that to the end, <see cref="CompleteAsync"/> decides whether it is whole
/// (exit codes, error output, trailers) and throws <see cref="ArtifactFailedException"/> when not.
/// Disposing stops the process and removes anything it created, whatever state it is in.
/// </summary>
internal interface IArtifactProducer : IAsyncDisposable
{
    ArtifactDescriptor Descriptor { get; }

    Task<Stream> OpenAsync(CancellationToken cancellationToken);

    Task CompleteAsync(CancellationToken cancellationToken);

    /// <summary>What the producer learnt of the content while it streamed; read after <see cref="CompleteAsync"/>.</summary>
    ArtifactFacts Facts => ArtifactFacts.None;

    /// <summary>What makes the bytes, for messages: <c>pg_dump of database 'app' in container db</c>.</summary>
    string Subject => Descriptor.SourceName;

    /// <summary>
    /// Asked when the output stopped coming (a stall or a timeout): why it may have, from what the engine says of the
    /// producer's container (paused, stopped), and what happens to the abandoned process; null when there is nothing to add.
    /// </summary>
    Task<string?> DiagnoseStallAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <summary>
/// Facts about an artifact learnt while it was made, for the manifest: an archive's entry count and tree digest,
/// and the dump tool's version when it was asked alongside the dump rather than before it.
/// </summary>
internal sealed record ArtifactFacts(long? Entries, string? TreeDigest, string? ToolVersion = null)
{
    public static readonly ArtifactFacts None = new(null, null);
}

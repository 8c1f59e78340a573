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
}

namespace VolumeAgent.Storage;

/// <summary>
/// One object being written (<see cref="IObjectStore.StartUploadAsync"/>). Nothing is visible under its name until
/// <see cref="CommitAsync"/> succeeds; <see cref="AbortAsync"/> removes what was written, and so does disposing without a commit.
/// </summary>
internal interface IObjectUpload : IAsyncDisposable
{
    /// <summary>Write-only, not seekable; disposing it only ends writing.</summary>
    /// <exception cref="StorageFullException">Thrown by writes when the storage is full; what was written is already removed.</exception>
    Stream Stream { get; }

    /// <summary>Bytes written to <see cref="Stream"/> so far.</summary>
    long BytesWritten { get; }

    /// <summary>Makes the object durable under its name. On failure, what was written is removed before it throws.</summary>
    /// <exception cref="InvalidOperationException">A write failed earlier and the object is gone.</exception>
    Task CommitAsync(CancellationToken cancellationToken);

    /// <summary>Removes what was written. Idempotent.</summary>
    Task AbortAsync();
}

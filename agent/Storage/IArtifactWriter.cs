namespace VolumeAgent.Storage;

/// <summary>
/// One artifact being written. Exactly one of <see cref="CommitAsync"/> and <see cref="AbortAsync"/>
/// takes effect; disposing without either aborts. A failed artifact never appears under its final name.
/// </summary>
internal interface IArtifactWriter : IAsyncDisposable
{
    string FileName { get; }

    /// <summary>
    /// Write-only, not seekable. Disposing it (as a wrapping compressor does) only ends writing; the
    /// artifact is still committed or aborted here.
    /// </summary>
    /// <exception cref="StorageFullException">Thrown by writes when the storage is full; the partial file is already removed.</exception>
    Stream Stream { get; }

    /// <summary>Bytes written to <see cref="Stream"/> so far.</summary>
    long BytesWritten { get; }

    /// <summary>Flushes to disk, then gives the file its final name and records the hash for SHA256SUMS.</summary>
    /// <param name="sha256Hex">SHA-256 of exactly the bytes written, 64 hex characters.</param>
    Task CommitAsync(string sha256Hex, CancellationToken cancellationToken);

    /// <summary>Deletes the partial file. Idempotent; a no-op after a commit.</summary>
    Task AbortAsync();
}

using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage;

/// <summary>
/// An artifact written to <c>.&lt;name&gt;.partial</c> in the set directory and renamed to its final
/// name only after an fsync, so a final name always means complete, durable content.
/// </summary>
internal sealed class LocalArtifactWriter : IArtifactWriter
{
    private readonly LocalBackupSetWriter _set;
    private readonly string _partialPath;
    private readonly string _finalPath;
    private readonly FileStream _file;
    private readonly ArtifactWriteStream _stream;
    private readonly Lock _gate = new();
    private State _state;

    private LocalArtifactWriter(LocalBackupSetWriter set, string fileName, string partialPath, string finalPath, FileStream file)
    {
        _set = set;
        FileName = fileName;
        _partialPath = partialPath;
        _finalPath = finalPath;
        _file = file;
        _stream = new ArtifactWriteStream(file, OnWriteFailure);
    }

    private enum State
    {
        Writing,
        Committing,
        Committed,
        Removed,
    }

    public string FileName { get; }

    public Stream Stream => _stream;

    public long BytesWritten => _stream.BytesWritten;

    /// <exception cref="StorageException">The partial file could not be created (full, read-only, permissions).</exception>
    public static LocalArtifactWriter Create(LocalBackupSetWriter set, string fileName)
    {
        var partialPath = Path.Combine(set.SetPath, BackupSetLayout.PartialNameFor(fileName));
        FileStream file;
        try
        {
            file = new FileStream(partialPath, LocalFileSystem.NewFileOptions());
        }
        catch (Exception ex) when (LocalFileSystem.Translate(ex, partialPath) is { } translated)
        {
            throw translated;
        }

        return new LocalArtifactWriter(set, fileName, partialPath, Path.Combine(set.SetPath, fileName), file);
    }

    public async Task CommitAsync(string sha256Hex, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256Hex);
        var sha256 = sha256Hex.ToLowerInvariant();
        if (!ManifestSerializer.IsSha256Hex(sha256))
        {
            throw new ArgumentException($"'{sha256Hex}' is not a SHA-256 hex digest (64 hex characters).", nameof(sha256Hex));
        }

        lock (_gate)
        {
            if (_state != State.Writing)
            {
                throw new InvalidOperationException(
                    $"Artifact '{FileName}' cannot be committed: it was already {(_state == State.Committed ? "committed" : "aborted or failed, and its partial file removed")}.");
            }

            _state = State.Committing;
        }

        var renamed = false;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            _stream.End();
            await _file.FlushAsync(cancellationToken);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync();
            File.Move(_partialPath, _finalPath, overwrite: false);
            renamed = true;
            LocalFileSystem.FsyncDirectory(_set.SetPath);
        }
        catch (Exception ex)
        {
            if (renamed)
            {
                LocalFileSystem.DeleteFileIfExists(_finalPath);
            }
            else
            {
                RemovePartial();
            }

            lock (_gate)
            {
                _state = State.Removed;
            }

            _set.OnArtifactRemoved(FileName);
            if (LocalFileSystem.Translate(ex, _finalPath) is { } translated)
            {
                throw translated;
            }

            throw;
        }

        lock (_gate)
        {
            _state = State.Committed;
        }

        _set.OnArtifactCommitted(FileName, sha256, BytesWritten);
    }

    public Task AbortAsync()
    {
        lock (_gate)
        {
            if (_state != State.Writing)
            {
                return Task.CompletedTask;
            }

            _state = State.Removed;
        }

        RemovePartial();
        _set.OnArtifactRemoved(FileName);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => new(AbortAsync());

    private void RemovePartial()
    {
        _stream.End();
        try
        {
            _file.Dispose();
        }
        catch (IOException)
        {
            // Disposing flushes the write buffer, which fails again on a full disk; the file goes anyway.
        }

        LocalFileSystem.DeleteFileIfExists(_partialPath);
    }

    private Exception OnWriteFailure(Exception exception)
    {
        if (!Errno.IsNoSpace(exception))
        {
            return exception;
        }

        bool remove;
        lock (_gate)
        {
            remove = _state == State.Writing;
            if (remove)
            {
                _state = State.Removed;
            }
        }

        // Removed at once, not at abort: the failed run's manifest needs the space.
        if (remove)
        {
            RemovePartial();
            _set.OnArtifactRemoved(FileName);
        }

        return LocalFileSystem.Translate(exception, _finalPath)!;
    }
}

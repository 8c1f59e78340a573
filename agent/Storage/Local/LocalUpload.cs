using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.Storage.Local;

/// <summary>
/// An object written to <c>.&lt;name&gt;.partial</c> in the set directory and renamed to its final name only
/// after an fsync, so a final name always means complete, durable content.
/// </summary>
internal sealed class LocalUpload : IObjectUpload
{
    private readonly string _directory;
    private readonly string _fileName;
    private readonly string _partialPath;
    private readonly string _finalPath;
    private readonly FileStream _file;
    private readonly ArtifactWriteStream _stream;
    private readonly Lock _gate = new();
    private State _state;

    private LocalUpload(string directory, string fileName, string partialPath, FileStream file)
    {
        _directory = directory;
        _fileName = fileName;
        _partialPath = partialPath;
        _finalPath = Path.Combine(directory, fileName);
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

    public Stream Stream => _stream;

    public long BytesWritten => _stream.BytesWritten;

    /// <exception cref="StorageException">The partial file could not be created (full, read-only, permissions).</exception>
    public static LocalUpload Create(string directory, string fileName)
    {
        var partialPath = Path.Combine(directory, BackupSetLayout.PartialNameFor(fileName));
        FileStream file;
        try
        {
            file = new FileStream(partialPath, LocalFileSystem.NewFileOptions());
        }
        catch (Exception ex) when (LocalFileSystem.Translate(ex, partialPath) is { } translated)
        {
            throw translated;
        }

        return new LocalUpload(directory, fileName, partialPath, file);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state != State.Writing)
            {
                throw new InvalidOperationException(
                    $"Artifact '{_fileName}' cannot be committed: it was already {(_state == State.Committed ? "committed" : "aborted or failed, and its partial file removed")}.");
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
            LocalFileSystem.FsyncDirectory(_directory);
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
        }

        return LocalFileSystem.Translate(exception, _finalPath)!;
    }
}

using System.Runtime.ExceptionServices;
using Renci.SshNet.Sftp;
using VolumeAgent.IO;

namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// An object streamed to <c>.&lt;name&gt;.partial</c> in the set's directory on the server and renamed to its final
/// name only once the server has every byte (the file closed), so a final name always means complete content. The
/// rename refuses to replace a file, as the local store's does. A cut-off upload leaves only the partial file, which
/// the next run's sweep removes.
/// </summary>
internal sealed class SftpUpload : IObjectUpload
{
    private readonly SftpObjectStore _store;
    private readonly SftpConnection.Lease _lease;
    private readonly SftpFileStream _file;
    private readonly string _partialPath;
    private readonly string _finalPath;
    private readonly WriteStream _stream;
    private readonly Lock _gate = new();
    private State _state;

    public SftpUpload(SftpObjectStore store, SftpConnection.Lease lease, SftpFileStream file, string partialPath, string finalPath)
    {
        _store = store;
        _lease = lease;
        _file = file;
        _partialPath = partialPath;
        _finalPath = finalPath;
        _stream = new WriteStream(this);
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

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state != State.Writing)
            {
                throw new InvalidOperationException(
                    $"'{_finalPath}' cannot be committed: it was already {(_state == State.Committed ? "committed" : "aborted or failed, and its partial file removed")}.");
            }

            _state = State.Committing;
        }

        try
        {
            _stream.Ended = true;
            await _file.FlushAsync(cancellationToken);
            await _file.DisposeAsync();
            await _lease.Client.RenameFileAsync(_partialPath, _finalPath, cancellationToken);
        }
        catch (Exception ex)
        {
            await RemovePartialAsync();
            lock (_gate)
            {
                _state = State.Removed;
            }

            if (SftpErrors.Translate(ex, _store.Options, _finalPath, $"committing '{_finalPath}'") is { } translated)
            {
                throw translated;
            }

            throw;
        }
        finally
        {
            _lease.Dispose();
        }

        lock (_gate)
        {
            _state = State.Committed;
        }
    }

    public async Task AbortAsync()
    {
        lock (_gate)
        {
            if (_state != State.Writing)
            {
                return;
            }

            _state = State.Removed;
        }

        await RemovePartialAsync();
        _lease.Dispose();
    }

    public ValueTask DisposeAsync() => new(AbortAsync());

    /// <summary>Best effort: when the connection is gone, the partial file stays until the next run's sweep.</summary>
    private async Task RemovePartialAsync()
    {
        _stream.Ended = true;
        try
        {
            await _file.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or Renci.SshNet.Common.SshException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing flushes what is buffered, which fails again on a dropped connection; the file goes below anyway.
        }

        await SftpObjectStore.TryDeleteAsync(_lease.Client, _partialPath);
    }

    private Exception OnWriteFailure(Exception exception) =>
        SftpErrors.Translate(exception, _store.Options, _partialPath, $"writing '{_partialPath}'") ?? exception;

    /// <summary>The write side handed to the pipeline: counts bytes and names the storage in a failure.</summary>
    private sealed class WriteStream(SftpUpload owner) : WriteOnlyStream
    {
        private long _written;
        private Exception? _failure;

        public long BytesWritten => Interlocked.Read(ref _written);

        public bool Ended { get; set; }

        public override bool CanWrite => !Ended;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ThrowIfEnded();
            try
            {
                owner._file.Write(buffer);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Fail(ex);
            }

            Interlocked.Add(ref _written, buffer.Length);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ThrowIfEnded();
            try
            {
                await owner._file.WriteAsync(buffer, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw Fail(ex);
            }

            Interlocked.Add(ref _written, buffer.Length);
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        protected override void Dispose(bool disposing)
        {
            // Only ends writing: the upload is still committed or aborted by its owner.
            Ended = true;
            base.Dispose(disposing);
        }

        private Exception Fail(Exception ex)
        {
            _failure = owner.OnWriteFailure(ex);
            Ended = true;
            return _failure;
        }

        private void ThrowIfEnded()
        {
            // A compressor may write again after a failed write (e.g. while disposing): it sees the same cause.
            if (_failure is not null)
            {
                ExceptionDispatchInfo.Throw(_failure);
            }

            ObjectDisposedException.ThrowIf(Ended, this);
        }
    }
}

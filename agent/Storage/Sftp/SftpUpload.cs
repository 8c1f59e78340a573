using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;
using VolumeAgent.IO;

namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// An object streamed to <c>.&lt;name&gt;.partial</c> in the set's directory on the server and renamed to its final
/// name only once the server has acknowledged every byte, so a final name always means complete content; the rename
/// refuses to replace a file, as the local store's does. A cut-off upload leaves only the partial file, which the next
/// run's sweep removes.
/// </summary>
/// <remarks>
/// The pipeline's writes go into a small pipe (at most <see cref="PipeBytes"/> waiting); a thread of its own hands the
/// pipe to SSH.NET's <c>UploadFile</c>, which keeps many write requests in flight instead of waiting for each one's
/// answer (its file stream waits, which made uploads several times slower; measured here). Memory stays bounded by the
/// pipe and the SSH channel's window.
/// </remarks>
internal sealed class SftpUpload : IObjectUpload
{
    /// <summary>How much the pipeline may write ahead of the upload before its writes wait.</summary>
    internal const int PipeBytes = 1024 * 1024;

    private readonly SftpObjectStore _store;
    private readonly SftpConnection.Lease _lease;
    private readonly string _partialPath;
    private readonly string _finalPath;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: PipeBytes, resumeWriterThreshold: PipeBytes / 2, useSynchronizationContext: false));
    private readonly Task _upload;
    private readonly WriteStream _stream;
    private readonly Lock _gate = new();
    private State _state;

    public SftpUpload(SftpObjectStore store, SftpConnection.Lease lease, string partialPath, string finalPath)
    {
        _store = store;
        _lease = lease;
        _partialPath = partialPath;
        _finalPath = finalPath;
        _stream = new WriteStream(this);
        _upload = Task.Factory.StartNew(Upload, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
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
            await _pipe.Writer.CompleteAsync();
            await _upload.WaitAsync(cancellationToken);
            await _lease.Client.RenameFileAsync(_partialPath, _finalPath, cancellationToken);
        }
        catch (Exception ex)
        {
            await RemovePartialAsync();
            lock (_gate)
            {
                _state = State.Removed;
            }

            throw Translate(ex, $"committing '{_finalPath}'");
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

    private void Upload()
    {
        using var input = _pipe.Reader.AsStream();
        _lease.Client.UploadFile(input, _partialPath, canOverride: false);
    }

    /// <summary>Ends the upload and deletes what it wrote. Best effort: with the connection gone, the next run's sweep does it.</summary>
    private async Task RemovePartialAsync()
    {
        _stream.Ended = true;
        await _pipe.Writer.CompleteAsync(new OperationCanceledException("The upload was aborted."));
        try
        {
            await _upload;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The upload ends with the cancellation above, or had failed already; the cause was reported by whoever ended it.
        }

        await SftpFiles.TryDeleteAsync(_lease.Client, _partialPath);
    }

    private Exception Translate(Exception exception, string doing) =>
        SftpErrors.Translate(exception, _store.Options, _partialPath, doing) ?? exception;

    /// <summary>The write side handed to the pipeline: counts bytes and names the storage in a failure.</summary>
    private sealed class WriteStream(SftpUpload owner) : WriteOnlyStream
    {
        private long _written;
        private Exception? _failure;

        public bool Ended { get; set; }

        public long BytesWritten => Interlocked.Read(ref _written);

        public override bool CanWrite => !Ended;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ThrowIfEnded();
            owner._pipe.Writer.Write(buffer);
            Finish(owner._pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult(), buffer.Length).GetAwaiter().GetResult();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            ThrowIfEnded();
            await Finish(await owner._pipe.Writer.WriteAsync(buffer, cancellationToken), buffer.Length);
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

        /// <summary>A completed reader means the upload ended before its input did: it failed, and its failure is the cause.</summary>
        private async Task Finish(FlushResult result, int count)
        {
            if (result.IsCompleted || owner._upload.IsCompleted)
            {
                Exception cause;
                try
                {
                    await owner._upload;
                    cause = new IOException($"The upload of '{owner._partialPath}' ended before all of it was written.");
                }
                catch (Exception ex)
                {
                    cause = ex;
                }

                _failure = owner.Translate(cause, $"writing '{owner._partialPath}'");
                Ended = true;
                ExceptionDispatchInfo.Throw(_failure);
            }

            Interlocked.Add(ref _written, count);
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

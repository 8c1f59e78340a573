using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using VolumeAgent.IO;

namespace VolumeAgent.Storage.Local;

/// <summary>
/// The write side handed to the pipeline: counts bytes, turns a full disk into
/// <see cref="StorageFullException"/> (after the owner removed the partial file), and keeps the file
/// open when disposed so the owner can still fsync and commit it. Every <see cref="WriteBehindBytes"/> it asks
/// the kernel to start writing what it has so far to disk, so the disk works while the pipeline does and the
/// fsync at commit waits only for the tail, not for the whole artifact.
/// </summary>
internal sealed class ArtifactWriteStream : WriteOnlyStream
{
    private readonly FileStream _file;
    private readonly Func<Exception, Exception> _onWriteFailure;
    private bool _ended;
    private Exception? _failure;
    private long _written;
    private long _writeBehindFrom;
    private long _writeBehindAt = WriteBehindBytes;
    private bool _writeBehind = true;

    /// <summary>How much is written between two starts of write-back.</summary>
    internal const long WriteBehindBytes = 8L * 1024 * 1024;

    /// <param name="file">The partial file, owned by the caller.</param>
    /// <param name="onWriteFailure">Called with a failed write's exception; returns the exception to throw.</param>
    public ArtifactWriteStream(FileStream file, Func<Exception, Exception> onWriteFailure)
    {
        _file = file;
        _onWriteFailure = onWriteFailure;
    }

    public override bool CanWrite => !_ended;

    public override long Position
    {
        get => Interlocked.Read(ref _written);
        set => throw new NotSupportedException();
    }

    public long BytesWritten => Interlocked.Read(ref _written);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfEnded();
        try
        {
            _file.Write(buffer);
        }
        catch (IOException ex)
        {
            ThrowFailure(ex);
        }

        Advance(buffer.Length);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        try
        {
            await _file.WriteAsync(buffer, cancellationToken);
        }
        catch (IOException ex)
        {
            ThrowFailure(ex);
        }

        Advance(buffer.Length);
    }

    public override void Flush()
    {
        if (_ended)
        {
            return;
        }

        try
        {
            _file.Flush();
        }
        catch (IOException ex)
        {
            ThrowFailure(ex);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return;
        }

        try
        {
            await _file.FlushAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            ThrowFailure(ex);
        }
    }

    private void Advance(int count)
    {
        var written = Interlocked.Add(ref _written, count);
        if (written < _writeBehindAt || !_writeBehind)
        {
            return;
        }

        // From where the last call started to the end of the file (length 0): bytes still in the FileStream's
        // buffer are covered by the next call, as the start stays one buffer behind what was handed over.
        if (NativeMethods.SyncFileRange(_file.SafeFileHandle, _writeBehindFrom, 0, NativeMethods.SyncFileRangeWrite) != 0)
        {
            // Not supported here (some file systems): the fsync at commit does all of it, as without write-behind.
            _writeBehind = false;
        }

        _writeBehindFrom = Math.Max(0, written - LocalFileSystem.BufferSize);
        _writeBehindAt = written + WriteBehindBytes;
    }

    /// <summary>Ends writing without closing the file: commit or abort decides what happens to it.</summary>
    internal void End() => _ended = true;

    protected override void Dispose(bool disposing)
    {
        _ended = true;
        base.Dispose(disposing);
    }

    [DoesNotReturn]
    private void ThrowFailure(IOException ex)
    {
        _failure = _onWriteFailure(ex);
        _ended = true;
        ExceptionDispatchInfo.Throw(_failure);
    }

    private void ThrowIfEnded()
    {
        // A compressor may write again after a failed write (e.g. while disposing); it must see the
        // same cause, not an unrelated ObjectDisposedException.
        if (_failure is not null)
        {
            ExceptionDispatchInfo.Throw(_failure);
        }

        ObjectDisposedException.ThrowIf(_ended, this);
    }
}

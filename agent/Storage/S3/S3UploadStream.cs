namespace VolumeAgent.Storage.S3;

/// <summary>The write-only stream of an <see cref="S3Upload"/>; disposing it only ends writing.</summary>
internal sealed class S3UploadStream : Stream
{
    private readonly S3Upload _upload;
    private volatile bool _ended;

    public S3UploadStream(S3Upload upload) => _upload = upload;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_ended;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _upload.BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>Later writes fail: the upload is being committed or was removed.</summary>
    public void End() => _ended = true;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer) =>
        WriteAsync(buffer.ToArray(), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        return _upload.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

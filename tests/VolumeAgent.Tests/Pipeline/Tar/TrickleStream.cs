namespace VolumeAgent.Tests.Pipeline.Tar;

/// <summary>Returns at most a few bytes per read, as a slow pipe does, to exercise every split of a block.</summary>
internal sealed class TrickleStream(Stream inner, int maxRead) : Stream
{
    private int _next = 1;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Varying sizes (1, 2, ... maxRead, 1, ...) land block boundaries at every offset within a read.
        var size = Math.Min(buffer.Length, _next);
        _next = _next % maxRead + 1;
        return inner.Read(buffer[..size]);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

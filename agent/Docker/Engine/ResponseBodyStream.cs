using VolumeAgent.IO;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// A streamed answer of the engine (an archive) as the agent hands it out. The library's chunked body reads 0 bytes
/// from the socket when asked for 0 and takes that for a connection closed mid-chunk (<see cref="EndOfStreamException"/>);
/// readers such as <c>TarReader</c> ask for 0 bytes at every empty entry, so an empty read is answered here.
/// </summary>
internal sealed class ResponseBodyStream : ReadOnlyStream
{
    private readonly Stream _inner;

    public ResponseBodyStream(Stream inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        buffer.IsEmpty ? ValueTask.FromResult(0) : _inner.ReadAsync(buffer, cancellationToken);

    public override int Read(Span<byte> buffer) => buffer.IsEmpty ? 0 : _inner.Read(buffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

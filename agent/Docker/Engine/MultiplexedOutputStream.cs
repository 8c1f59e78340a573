using System.Buffers.Binary;
using Docker.DotNet;
using VolumeAgent.IO;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// Output the library has already taken apart (<see cref="MultiplexedStream"/>), handed out as the engine framed it, so
/// that <see cref="IContainerOperations.LogsAsync"/> keeps its stream. <see cref="StdoutStream"/> reads the library's
/// frames directly; a caller reading this stream itself gets each frame back with its 8-byte header.
/// </summary>
internal sealed class MultiplexedOutputStream : ReadOnlyStream
{
    private const int HeaderLength = 8;
    private readonly byte[] _frame = new byte[HeaderLength + (16 * 1024)];
    private int _frameOffset;
    private int _frameCount;
    private int _disposed;

    public MultiplexedOutputStream(MultiplexedStream output)
    {
        Output = output ?? throw new ArgumentNullException(nameof(output));
    }

    public MultiplexedStream Output { get; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_frameCount == 0)
        {
            var chunk = await Output.ReadOutputAsync(_frame, HeaderLength, _frame.Length - HeaderLength, cancellationToken);
            if (chunk.EOF)
            {
                return 0;
            }

            _frame.AsSpan(0, HeaderLength).Clear();
            _frame[0] = (byte)chunk.Target;
            BinaryPrimitives.WriteUInt32BigEndian(_frame.AsSpan(4), (uint)chunk.Count);
            _frameOffset = 0;
            _frameCount = HeaderLength + chunk.Count;
        }

        var n = Math.Min(buffer.Length, _frameCount);
        _frame.AsMemory(_frameOffset, n).CopyTo(buffer);
        _frameOffset += n;
        _frameCount -= n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Output.Dispose();
        }

        base.Dispose(disposing);
    }
}

using System.Buffers;
using VolumeAgent.IO;

namespace VolumeAgent.Pipeline.Zstd;

/// <summary>Reads zstd data (one or more concatenated frames) as the decompressed bytes.</summary>
internal sealed class ZstdDecompressStream : ReadOnlyStream
{
    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private readonly ZstdDecompressionContext _context;
    private byte[]? _inBuffer;
    private int _inLength;
    private int _inPosition;
    private bool _inputEnded;
    private bool _frameOpen;
    private bool _sawInput;
    private bool _outputMayBePending;
    private bool _disposed;

    public ZstdDecompressStream(Stream input, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ZstdLibrary.EnsureAvailable();
        _input = input;
        _leaveOpen = leaveOpen;
        _context = ZstdNative.CreateDStream();
        if (_context.IsInvalid)
        {
            _context.Dispose();
            throw new ZstdException("zstd could not allocate a decompression context (out of memory).");
        }

        try
        {
            ZstdNative.Check(ZstdNative.InitDStream(_context), "decompression setup");
            _inBuffer = ArrayPool<byte>.Shared.Rent((int)ZstdNative.DStreamInSize());
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    public override bool CanRead => !_disposed;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (TryDecompress(buffer, out var produced))
            {
                return produced;
            }

            if (_inputEnded)
            {
                return Finish();
            }

            Fill(_input.Read(_inBuffer!, 0, _inBuffer!.Length));
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryDecompress(buffer.Span, out var produced))
            {
                return produced;
            }

            if (_inputEnded)
            {
                return Finish();
            }

            Fill(await _input.ReadAsync(_inBuffer.AsMemory(), cancellationToken));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _context.Dispose();
            if (_inBuffer is { } buffer)
            {
                _inBuffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (!_leaveOpen)
            {
                _input.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private void Fill(int read)
    {
        _inPosition = 0;
        _inLength = read;
        _inputEnded = read == 0;
    }

    private int Finish()
    {
        if (_frameOpen || !_sawInput)
        {
            throw new ZstdException(
                _sawInput
                    ? "The zstd data ends in the middle of a frame: the file is truncated."
                    : "The zstd data is empty: the file is truncated.");
        }

        return 0;
    }

    /// <returns>true when bytes were produced.</returns>
    private unsafe bool TryDecompress(Span<byte> destination, out int produced)
    {
        produced = 0;
        while (_inPosition < _inLength || _outputMayBePending)
        {
            fixed (byte* source = _inBuffer)
            fixed (byte* target = destination)
            {
                var inDesc = new ZstdInBuffer { Source = source, Size = (nuint)_inLength, Position = (nuint)_inPosition };
                var outDesc = new ZstdOutBuffer { Destination = target, Size = (nuint)destination.Length, Position = 0 };
                var hint = ZstdNative.Check(ZstdNative.DecompressStream(_context, &outDesc, &inDesc), "decompression");
                var progressed = (int)inDesc.Position != _inPosition || outDesc.Position > 0;
                _inPosition = (int)inDesc.Position;
                // Without progress the hint describes the next frame's header, not whether the last one ended.
                if (progressed)
                {
                    _frameOpen = hint != 0;
                    _sawInput = true;
                }
                // A full output buffer may mean the library holds more decoded bytes for the next call.
                _outputMayBePending = outDesc.Position == outDesc.Size;
                produced = (int)outDesc.Position;
            }

            if (produced > 0)
            {
                return true;
            }
        }

        return false;
    }
}

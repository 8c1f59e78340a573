using System.Buffers;
using VolumeAgent.IO;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// Reads a tar stream (for example a helper container's stdout) and yields it with excluded entries removed,
/// recording the tree digest of what it keeps on the way. It fits in front of <see cref="ArtifactPipeline"/>
/// as the source. A truncated or corrupt archive surfaces as <see cref="TarFormatException"/> from a read.
/// </summary>
internal sealed class TarFilterStream : ReadOnlyStream
{
    private const int InputBufferSize = 128 * 1024;

    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly ArrayBufferWriter<byte> _output = new(InputBufferSize + (4 * TarHeader.BlockSize));
    private readonly TarStreamParser _parser;
    private byte[]? _input = ArrayPool<byte>.Shared.Rent(InputBufferSize);
    private int _outputPosition;
    private bool _innerEnded;
    private string? _treeDigest;
    private bool _disposed;

    public TarFilterStream(Stream inner, IEnumerable<string>? excludePatterns = null, bool leaveOpen = false)
        : this(inner, excludePatterns is null ? TarExcludeMatcher.None : new TarExcludeMatcher(excludePatterns), leaveOpen)
    {
    }

    public TarFilterStream(Stream inner, TarExcludeMatcher excludes, bool leaveOpen = false, Action<TarEntryInfo>? entryStarting = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(excludes);
        _inner = inner;
        _leaveOpen = leaveOpen;
        _parser = new TarStreamParser(excludes, _output) { EntryStarting = entryStarting };
    }

    /// <summary>Kept entries so far; all of them once the stream has been read to its end.</summary>
    public IReadOnlyList<TarEntryInfo> Entries => _parser.Entries;

    public int ExcludedCount => _parser.ExcludedCount;

    public IReadOnlyList<string> OrphanedHardLinks => _parser.OrphanedHardLinks;

    /// <summary>True once the whole archive was read and found complete.</summary>
    public bool IsComplete => _parser.IsComplete;

    /// <summary>Bytes read from the inner stream (the unfiltered archive).</summary>
    public long ArchiveBytes => _parser.ArchiveBytes;

    /// <summary>Bytes of filtered archive produced so far.</summary>
    public long FilteredBytes => _parser.OutputBytes;

    /// <summary>The <see cref="TarTreeDigest"/> of the kept entries; available once the stream was read to its end.</summary>
    public string TreeDigest => _treeDigest ??= _parser.IsComplete
        ? TarTreeDigest.Compute(_parser.Entries)
        : throw new InvalidOperationException("The tree digest is known only after the whole archive was read.");

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
            if (TryCopyOut(buffer, out var copied))
            {
                return copied;
            }

            if (_innerEnded)
            {
                return 0;
            }

            Consume(_inner.Read(_input!, 0, InputBufferSize));
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
            if (TryCopyOut(buffer.Span, out var copied))
            {
                return copied;
            }

            if (_innerEnded)
            {
                return 0;
            }

            Consume(await _inner.ReadAsync(_input.AsMemory(0, InputBufferSize), cancellationToken));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _disposed = true;
            _parser.Dispose();
            if (_input is { } input)
            {
                _input = null;
                ArrayPool<byte>.Shared.Return(input);
            }

            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private bool TryCopyOut(Span<byte> destination, out int copied)
    {
        var available = _output.WrittenSpan[_outputPosition..];
        copied = Math.Min(available.Length, destination.Length);
        available[..copied].CopyTo(destination);
        _outputPosition += copied;
        return copied > 0;
    }

    private void Consume(int read)
    {
        _output.ResetWrittenCount();
        _outputPosition = 0;
        if (read == 0)
        {
            _innerEnded = true;
            _parser.Complete();
            return;
        }

        _parser.Feed(_input.AsSpan(0, read));
    }
}

using System.Buffers;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// A push parser over a tar stream: fed the archive in pieces of any size, it writes the kept bytes to an
/// optional output (entries matching the exclude patterns are dropped together with their long-name, long-link
/// and pax headers) and records a <see cref="TarEntryInfo"/> for every kept entry, hashing file content as it
/// passes. It holds one header block, the metadata of the entry being read, and one small record per entry;
/// content is never buffered. This class is the state machine over the blocks; <see cref="TarHeaderReader"/>
/// reads the headers, <see cref="TarEntryLog"/> records the entries and <see cref="TarOutput"/> writes what is kept.
/// </summary>
internal sealed class TarStreamParser : IDisposable
{
    /// <summary>GNU tar's default record (20 blocks): the filtered archive is padded to it, as tar pads its own.</summary>
    public const int RecordSize = 20 * TarHeader.BlockSize;

    private readonly TarExcludeMatcher _excludes;
    private readonly TarOutput _output;
    private readonly TarHeaderReader _headers = new();
    private readonly TarEntryLog _log = new();
    private readonly byte[] _block = new byte[TarHeader.BlockSize];

    private State _state;
    private int _blockFill;
    private long _offset;
    private long _remaining;
    private int _padding;

    private string? _lastEntryName;
    private bool _disposed;

    public TarStreamParser(TarExcludeMatcher? excludes = null, IBufferWriter<byte>? output = null)
    {
        _excludes = excludes ?? TarExcludeMatcher.None;
        _output = new TarOutput(output);
    }

    /// <summary>
    /// Called with each kept entry (content hash not yet known) before any of its bytes are written to the
    /// output; throwing stops the parse there, so a consumer downstream never sees that entry.
    /// </summary>
    public Action<TarEntryInfo>? EntryStarting { get; init; }

    private enum State
    {
        Header,
        Metadata,
        SparseExtension,
        Content,
        Padding,
        End,
        Completed,
    }

    /// <summary>Kept entries in archive order; complete once <see cref="Complete"/> returned.</summary>
    public IReadOnlyList<TarEntryInfo> Entries => _log.Entries;

    public int ExcludedCount => _log.ExcludedCount;

    /// <summary>Hard links dropped because their target was excluded (the link alone could not be extracted).</summary>
    public IReadOnlyList<string> OrphanedHardLinks => _log.OrphanedHardLinks;

    public bool IsComplete => _state == State.Completed;

    /// <summary>Archive bytes consumed so far.</summary>
    public long ArchiveBytes => _offset;

    /// <summary>Bytes written to the output so far.</summary>
    public long OutputBytes => _output.Bytes;

    public void Feed(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!data.IsEmpty)
        {
            int taken;
            switch (_state)
            {
                case State.Header:
                case State.SparseExtension:
                    taken = Math.Min(TarHeader.BlockSize - _blockFill, data.Length);
                    data[..taken].CopyTo(_block.AsSpan(_blockFill));
                    _blockFill += taken;
                    _offset += taken;
                    if (_blockFill == TarHeader.BlockSize)
                    {
                        _blockFill = 0;
                        if (_state == State.Header)
                        {
                            OnHeaderBlock();
                        }
                        else
                        {
                            OnSparseExtensionBlock();
                        }
                    }

                    break;
                case State.Metadata:
                    taken = (int)Math.Min(_remaining + _padding, data.Length);
                    var contentPart = (int)Math.Min(_remaining, taken);
                    _headers.AppendMetadata(data[..contentPart]);
                    _output.Hold(data[..taken]);
                    _remaining -= contentPart;
                    _padding -= taken - contentPart;
                    _offset += taken;
                    if (_remaining == 0 && _padding == 0)
                    {
                        OnMetadataComplete();
                    }

                    break;
                case State.Content:
                    taken = (int)Math.Min(_remaining, data.Length);
                    var content = data[..taken];
                    _output.WriteEntryBytes(content);
                    _log.AppendContent(content);
                    _remaining -= taken;
                    _offset += taken;
                    if (_remaining == 0)
                    {
                        _state = _padding > 0 ? State.Padding : State.Header;
                        if (_padding == 0)
                        {
                            _log.Finish();
                        }
                    }

                    break;
                case State.Padding:
                    taken = Math.Min(_padding, data.Length);
                    _output.WriteEntryBytes(data[..taken]);
                    _padding -= taken;
                    _offset += taken;
                    if (_padding == 0)
                    {
                        _state = State.Header;
                        _log.Finish();
                    }

                    break;
                case State.End:
                    // Record padding after the end-of-archive marker: drained so the writer can finish, then ignored.
                    taken = data.Length;
                    _offset += taken;
                    break;
                default:
                    throw new InvalidOperationException("The tar stream was already completed; no more data can be fed.");
            }

            data = data[taken..];
        }
    }

    /// <summary>Declares the end of the archive stream; throws <see cref="TarFormatException"/> if it was cut short.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        switch (_state)
        {
            case State.End:
                _state = State.Completed;
                return;
            case State.Completed:
                return;
            case State.Header when _blockFill == 0 && _offset == 0:
                throw new TarFormatException("the stream is empty; a tar archive has at least its end-of-archive blocks.", null, 0);
            case State.Header when _blockFill == 0:
                throw new TarFormatException(
                    "the stream ends without the end-of-archive blocks, so the archive is truncated (was the tar process killed?).",
                    _lastEntryName,
                    _offset);
            case State.Header or State.SparseExtension:
                throw new TarFormatException("the stream ends inside a header block; the archive is truncated.", _lastEntryName, _offset);
            case State.Metadata:
                throw new TarFormatException("the stream ends inside a long-name or pax header; the archive is truncated.", _lastEntryName, _offset);
            default:
                throw new TarFormatException(
                    $"the stream ends inside the entry's content ({_remaining + _padding} more bytes expected); the archive is truncated.",
                    _log.Current?.Path ?? _lastEntryName,
                    _offset);
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _log.Dispose();
        }
    }

    private void OnHeaderBlock()
    {
        var headerOffset = _offset - TarHeader.BlockSize;
        var block = _block.AsSpan();
        if (TarHeader.IsZeroBlock(block))
        {
            _output.WriteEnd(_lastEntryName, headerOffset);
            _state = State.End;
            return;
        }

        TarHeaderReader.CheckChecksum(block, _lastEntryName, headerOffset);
        if (TarHeaderReader.IsMetadata(TarHeader.TypeFlag(block)))
        {
            StartMetadata(headerOffset);
            return;
        }

        StartEntry(headerOffset);
    }

    private void StartMetadata(long headerOffset)
    {
        var size = _headers.StartMetadata(_block, _lastEntryName, headerOffset);
        _output.Hold(_block);
        _remaining = size;
        _padding = PaddingFor(size);
        _state = State.Metadata;
        if (size == 0)
        {
            OnMetadataComplete();
        }
    }

    private void OnMetadataComplete()
    {
        if (_headers.CompleteMetadata(_lastEntryName, _offset))
        {
            // A global header belongs to every later entry, never to one to drop: it always passes.
            _output.WriteHeld();
        }

        _state = State.Header;
    }

    private void StartEntry(long headerOffset)
    {
        var block = _block.AsSpan();
        var header = _headers.ReadEntry(block, headerOffset);
        var excluded = _excludes.IsExcluded(header.Path);
        var orphanedHardLink = !excluded && header.Type == TarEntryType.HardLink && _excludes.IsExcluded(header.LinkTarget!);
        var keep = !excluded && !orphanedHardLink;
        _output.StartEntry(keep);
        if (keep)
        {
            // Only a caller that checks entries as they start (restore's name guard) reads the name as stored;
            // kept for every entry of a backup it would double the memory the paths take.
            var entry = _headers.Describe(header, block, headerOffset, keepStoredPath: EntryStarting is not null);
            _log.Start(entry);
            EntryStarting?.Invoke(entry);
            _output.WriteHeld();
            _output.WriteEntryBytes(block);
        }
        else
        {
            _log.Exclude(header.Path, orphanedHardLink);
            _output.DropHeld();
        }

        _headers.EntryRead();
        _lastEntryName = header.Path;
        _remaining = header.DataLength;
        _padding = PaddingFor(header.DataLength);
        if (header.TypeFlag == (byte)'S' && TarHeader.OldGnuSparseIsExtended(block))
        {
            _state = State.SparseExtension;
        }
        else if (header.DataLength > 0)
        {
            _state = State.Content;
        }
        else
        {
            _state = State.Header;
            _log.Finish();
        }
    }

    private void OnSparseExtensionBlock()
    {
        _output.WriteEntryBytes(_block);
        if (!TarHeader.SparseExtensionIsExtended(_block))
        {
            _state = _remaining > 0 ? State.Content : State.Header;
            if (_remaining == 0)
            {
                _log.Finish();
            }
        }
    }

    private static int PaddingFor(long size) => (int)((TarHeader.BlockSize - (size % TarHeader.BlockSize)) % TarHeader.BlockSize);
}

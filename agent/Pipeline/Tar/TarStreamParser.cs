using System.Buffers;
using System.Security.Cryptography;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// A push parser over a tar stream: fed the archive in pieces of any size, it writes the kept bytes to an
/// optional output (entries matching the exclude patterns are dropped together with their long-name, long-link
/// and pax headers) and records a <see cref="TarEntryInfo"/> for every kept entry, hashing file content as it
/// passes. It holds one header block, the metadata of the entry being read, and one small record per entry;
/// content is never buffered.
/// </summary>
internal sealed class TarStreamParser : IDisposable
{
    /// <summary>GNU tar's default record (20 blocks): the filtered archive is padded to it, as tar pads its own.</summary>
    public const int RecordSize = 20 * TarHeader.BlockSize;

    /// <summary>Long names, link targets and pax headers beyond this are corruption, not metadata.</summary>
    public const int MaxMetadataSize = 1024 * 1024;

    private static readonly byte[] Zeros = new byte[RecordSize];

    private readonly TarExcludeMatcher _excludes;
    private readonly IBufferWriter<byte>? _output;
    private readonly byte[] _block = new byte[TarHeader.BlockSize];
    private readonly ArrayBufferWriter<byte> _pending = new(4 * TarHeader.BlockSize);
    private readonly ArrayBufferWriter<byte> _metadata = new(TarHeader.BlockSize);
    private readonly Dictionary<string, string> _localPax = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _globalPax = new(StringComparer.Ordinal);
    private readonly IncrementalHash _contentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly List<TarEntryInfo> _entries = [];
    private readonly List<string> _orphanedHardLinks = [];

    private State _state;
    private int _blockFill;
    private long _offset;
    private long _outputOffset;
    private long _remaining;
    private int _padding;

    private byte _metadataType;
    private string? _longName;
    private string? _longLink;

    private bool _keep;
    private bool _hashContent;
    private TarEntryInfo? _current;
    private string? _lastEntryName;
    private int _excludedCount;
    private bool _disposed;

    public TarStreamParser(TarExcludeMatcher? excludes = null, IBufferWriter<byte>? output = null)
    {
        _excludes = excludes ?? TarExcludeMatcher.None;
        _output = output;
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
    public IReadOnlyList<TarEntryInfo> Entries => _entries;

    public int ExcludedCount => _excludedCount;

    /// <summary>Hard links dropped because their target was excluded (the link alone could not be extracted).</summary>
    public IReadOnlyList<string> OrphanedHardLinks => _orphanedHardLinks;

    public bool IsComplete => _state == State.Completed;

    /// <summary>Archive bytes consumed so far.</summary>
    public long ArchiveBytes => _offset;

    /// <summary>Bytes written to the output so far.</summary>
    public long OutputBytes => _outputOffset;

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
                    _metadata.Write(data[..contentPart]);
                    _pending.Write(data[..taken]);
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
                    if (_keep)
                    {
                        Emit(content);
                    }

                    if (_hashContent)
                    {
                        _contentHash.AppendData(content);
                    }

                    _remaining -= taken;
                    _offset += taken;
                    if (_remaining == 0)
                    {
                        _state = _padding > 0 ? State.Padding : State.Header;
                        if (_padding == 0)
                        {
                            FinishEntry();
                        }
                    }

                    break;
                case State.Padding:
                    taken = Math.Min(_padding, data.Length);
                    if (_keep)
                    {
                        Emit(data[..taken]);
                    }

                    _padding -= taken;
                    _offset += taken;
                    if (_padding == 0)
                    {
                        _state = State.Header;
                        FinishEntry();
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
                    _current?.Path ?? _lastEntryName,
                    _offset);
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _contentHash.Dispose();
        }
    }

    private void OnHeaderBlock()
    {
        var headerOffset = _offset - TarHeader.BlockSize;
        var block = _block.AsSpan();
        if (TarHeader.IsZeroBlock(block))
        {
            OnEndOfArchive(headerOffset);
            return;
        }

        if (!TarHeader.HasValidChecksum(block))
        {
            throw new TarFormatException(
                $"the header of '{TarHeader.String(block[..100])}' fails its checksum; the archive is corrupt.",
                _lastEntryName,
                headerOffset);
        }

        var typeFlag = TarHeader.TypeFlag(block);
        if (typeFlag is (byte)'L' or (byte)'K' or (byte)'x' or (byte)'g')
        {
            StartMetadata(typeFlag, headerOffset);
            return;
        }

        StartEntry(typeFlag, headerOffset);
    }

    private void StartMetadata(byte typeFlag, long headerOffset)
    {
        if (!TarHeader.TrySize(_block, out var size) || size < 0 || size > MaxMetadataSize)
        {
            throw new TarFormatException(
                $"a '{(char)typeFlag}' metadata header declares an implausible size; the archive is corrupt.", _lastEntryName, headerOffset);
        }

        _metadataType = typeFlag;
        _metadata.ResetWrittenCount();
        _pending.Write(_block);
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
        var data = _metadata.WrittenSpan;
        switch (_metadataType)
        {
            case (byte)'L':
                _longName = TarHeader.String(data);
                break;
            case (byte)'K':
                _longLink = TarHeader.String(data);
                break;
            case (byte)'x':
                _localPax.Clear();
                if (PaxHeader.Parse(data, _localPax) is null)
                {
                    throw new TarFormatException("a pax extended header is malformed; the archive is corrupt.", _lastEntryName, _offset);
                }

                break;
            default:
                if (PaxHeader.Parse(data, _globalPax) is null)
                {
                    throw new TarFormatException("a pax global header is malformed; the archive is corrupt.", _lastEntryName, _offset);
                }

                // A global header belongs to every later entry, never to one to drop: it always passes.
                Emit(_pending.WrittenSpan);
                _pending.ResetWrittenCount();
                break;
        }

        _state = State.Header;
    }

    private void StartEntry(byte typeFlag, long headerOffset)
    {
        var block = _block.AsSpan();
        var name = Pax("path") ?? _longName ?? TarHeader.Name(block);
        var path = TarExcludeMatcher.NormalizePath(name);
        var type = typeFlag switch
        {
            (byte)'0' or 0 or (byte)'7' when name.EndsWith('/') => TarEntryType.Directory,
            (byte)'0' or 0 or (byte)'7' => TarEntryType.File,
            (byte)'1' => TarEntryType.HardLink,
            (byte)'2' => TarEntryType.Symlink,
            (byte)'5' => TarEntryType.Directory,
            _ => TarEntryType.Other,
        };

        var size = Number("size", TarHeader.TrySize, "size", headerOffset, path);
        // POSIX: links, devices, directories and FIFOs have no data blocks, whatever the size field says.
        var dataLength = typeFlag is >= (byte)'1' and <= (byte)'6' ? 0 : size;
        var storedLink = type is TarEntryType.Symlink or TarEntryType.HardLink ? Pax("linkpath") ?? _longLink ?? TarHeader.LinkName(block) : null;
        var linkTarget = type switch
        {
            TarEntryType.Symlink => storedLink,
            TarEntryType.HardLink => TarExcludeMatcher.NormalizePath(storedLink!),
            _ => null,
        };

        var excluded = _excludes.IsExcluded(path);
        if (!excluded && type == TarEntryType.HardLink && _excludes.IsExcluded(linkTarget!))
        {
            excluded = true;
            _orphanedHardLinks.Add(path);
        }

        _keep = !excluded;
        if (_keep)
        {
            _current = new TarEntryInfo(
                path,
                type,
                (int)(Number("mode", TarHeader.TryMode, null, headerOffset, path) & 0xFFF),
                Number("uid", TarHeader.TryUid, "uid", headerOffset, path),
                Number("gid", TarHeader.TryGid, "gid", headerOffset, path),
                type == TarEntryType.File ? size : 0,
                linkTarget,
                ContentSha256: null,
                Number("mtime", TarHeader.TryMtime, "mtime", headerOffset, path))
            {
                // Only a caller that checks entries as they start (restore's name guard) reads the name as stored;
                // kept for every entry of a backup it would double the memory the paths take.
                StoredPath = EntryStarting is null ? null : name,
                StoredLinkTarget = storedLink,
            };
            EntryStarting?.Invoke(_current);
            Emit(_pending.WrittenSpan);
            Emit(block);
        }
        else
        {
            _excludedCount++;
            _current = null;
        }

        _pending.ResetWrittenCount();
        _longName = null;
        _longLink = null;
        _localPax.Clear();
        _lastEntryName = path;
        _hashContent = _keep && type == TarEntryType.File;
        _remaining = dataLength;
        _padding = PaddingFor(dataLength);
        if (typeFlag == (byte)'S' && TarHeader.OldGnuSparseIsExtended(block))
        {
            _state = State.SparseExtension;
        }
        else if (dataLength > 0)
        {
            _state = State.Content;
        }
        else
        {
            _state = State.Header;
            FinishEntry();
        }
    }

    private void OnSparseExtensionBlock()
    {
        if (_keep)
        {
            Emit(_block);
        }

        if (!TarHeader.SparseExtensionIsExtended(_block))
        {
            _state = _remaining > 0 ? State.Content : State.Header;
            if (_remaining == 0)
            {
                FinishEntry();
            }
        }
    }

    private void FinishEntry()
    {
        if (_current is { } entry)
        {
            if (_hashContent)
            {
                entry = entry with { ContentSha256 = Convert.ToHexStringLower(_contentHash.GetHashAndReset()) };
            }

            _entries.Add(entry);
        }

        _current = null;
        _hashContent = false;
    }

    private void OnEndOfArchive(long headerOffset)
    {
        if (_pending.WrittenCount > 0)
        {
            throw new TarFormatException(
                "a long-name or pax header is followed by the end of the archive instead of its entry; the archive is corrupt.",
                _lastEntryName,
                headerOffset);
        }

        // Two zero blocks end a tar archive; GNU tar pads the last record with zeros, and so does this filter.
        Emit(Zeros.AsSpan(0, 2 * TarHeader.BlockSize));
        Emit(Zeros.AsSpan(0, (int)((RecordSize - (_outputOffset % RecordSize)) % RecordSize)));
        _state = State.End;
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        _output?.Write(bytes);
        _outputOffset += bytes.Length;
    }

    private string? Pax(string key)
    {
        if (_localPax.TryGetValue(key, out var local))
        {
            // An empty value in a per-file header cancels a global one and restores the header field.
            return local.Length == 0 ? null : local;
        }

        return _globalPax.TryGetValue(key, out var global) && global.Length > 0 ? global : null;
    }

    private long Number(string field, HeaderNumberReader read, string? paxKey, long headerOffset, string path)
    {
        if (paxKey is not null && Pax(paxKey) is { } text)
        {
            if (PaxHeader.TryParseInteger(text, out var paxValue))
            {
                return paxValue;
            }

            throw new TarFormatException($"the pax '{paxKey}' value '{text}' is not a number; the archive is corrupt.", path, headerOffset);
        }

        if (read(_block, out var value) && value >= 0)
        {
            return value;
        }

        throw new TarFormatException($"the header's {field} field is not a valid number; the archive is corrupt.", path, headerOffset);
    }

    private static int PaddingFor(long size) => (int)((TarHeader.BlockSize - (size % TarHeader.BlockSize)) % TarHeader.BlockSize);

    private delegate bool HeaderNumberReader(ReadOnlySpan<byte> block, out long value);
}

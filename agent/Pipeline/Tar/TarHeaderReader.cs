using System.Buffers;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// Reads entry headers as tar does: the metadata headers before an entry (GNU long name 'L' and long link 'K',
/// pax per-entry 'x' and global 'g' records) are collected, and the entry's name, link target and numbers come
/// from them first and from its own header block otherwise. Holds the data of one metadata header at a time.
/// </summary>
internal sealed class TarHeaderReader
{
    /// <summary>Long names, link targets and pax headers beyond this are corruption, not metadata.</summary>
    public const int MaxMetadataSize = 1024 * 1024;

    private readonly ArrayBufferWriter<byte> _metadata = new(TarHeader.BlockSize);
    private readonly Dictionary<string, string> _localPax = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _globalPax = new(StringComparer.Ordinal);

    private byte _metadataType;
    private string? _longName;
    private string? _longLink;

    public delegate bool HeaderNumberReader(ReadOnlySpan<byte> block, out long value);

    public static void CheckChecksum(ReadOnlySpan<byte> block, string? lastEntryName, long headerOffset)
    {
        if (!TarHeader.HasValidChecksum(block))
        {
            throw new TarFormatException(
                $"the header of '{TarHeader.String(block[..100])}' fails its checksum; the archive is corrupt.",
                lastEntryName,
                headerOffset);
        }
    }

    /// <summary>True for the header types that carry metadata for the entry after them instead of an entry.</summary>
    public static bool IsMetadata(byte typeFlag) => typeFlag is (byte)'L' or (byte)'K' or (byte)'x' or (byte)'g';

    /// <summary>Starts collecting the data of the metadata header in <paramref name="block"/>; returns its size.</summary>
    public long StartMetadata(ReadOnlySpan<byte> block, string? lastEntryName, long headerOffset)
    {
        var typeFlag = TarHeader.TypeFlag(block);
        if (!TarHeader.TrySize(block, out var size) || size < 0 || size > MaxMetadataSize)
        {
            throw new TarFormatException(
                $"a '{(char)typeFlag}' metadata header declares an implausible size; the archive is corrupt.", lastEntryName, headerOffset);
        }

        _metadataType = typeFlag;
        _metadata.ResetWrittenCount();
        return size;
    }

    public void AppendMetadata(ReadOnlySpan<byte> data) => _metadata.Write(data);

    /// <summary>Takes in the metadata header's data; true for a pax global header, which belongs to every later entry.</summary>
    public bool CompleteMetadata(string? lastEntryName, long offset)
    {
        var data = _metadata.WrittenSpan;
        switch (_metadataType)
        {
            case (byte)'L':
                _longName = TarHeader.String(data);
                return false;
            case (byte)'K':
                _longLink = TarHeader.String(data);
                return false;
            case (byte)'x':
                _localPax.Clear();
                if (PaxHeader.Parse(data, _localPax) is null)
                {
                    throw new TarFormatException("a pax extended header is malformed; the archive is corrupt.", lastEntryName, offset);
                }

                return false;
            default:
                if (PaxHeader.Parse(data, _globalPax) is null)
                {
                    throw new TarFormatException("a pax global header is malformed; the archive is corrupt.", lastEntryName, offset);
                }

                return true;
        }
    }

    /// <summary>The entry header in <paramref name="block"/> with the metadata headers before it applied.</summary>
    public TarEntryHeader ReadEntry(ReadOnlySpan<byte> block, long headerOffset)
    {
        var typeFlag = TarHeader.TypeFlag(block);
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

        var size = Number(block, "size", TarHeader.TrySize, "size", headerOffset, path);
        // POSIX: links, devices, directories and FIFOs have no data blocks, whatever the size field says.
        var dataLength = typeFlag is >= (byte)'1' and <= (byte)'6' ? 0 : size;
        var storedLink = type is TarEntryType.Symlink or TarEntryType.HardLink ? Pax("linkpath") ?? _longLink ?? TarHeader.LinkName(block) : null;
        var linkTarget = type switch
        {
            TarEntryType.Symlink => storedLink,
            TarEntryType.HardLink => TarExcludeMatcher.NormalizePath(storedLink!),
            _ => null,
        };

        return new TarEntryHeader(typeFlag, name, path, type, size, dataLength, storedLink, linkTarget);
    }

    /// <summary>
    /// The record of an entry that is kept, its content hash not yet known. Mode, ids and time are read only here,
    /// so a bad field in an excluded entry does not fail the archive.
    /// </summary>
    public TarEntryInfo Describe(TarEntryHeader header, ReadOnlySpan<byte> block, long headerOffset, bool keepStoredPath) =>
        new(
            header.Path,
            header.Type,
            (int)(Number(block, "mode", TarHeader.TryMode, null, headerOffset, header.Path) & 0xFFF),
            Number(block, "uid", TarHeader.TryUid, "uid", headerOffset, header.Path),
            Number(block, "gid", TarHeader.TryGid, "gid", headerOffset, header.Path),
            header.Type == TarEntryType.File ? header.Size : 0,
            header.LinkTarget,
            ContentSha256: null,
            Number(block, "mtime", TarHeader.TryMtime, "mtime", headerOffset, header.Path))
        {
            StoredPath = keepStoredPath ? header.StoredName : null,
            StoredLinkTarget = header.StoredLink,
            TypeFlag = header.TypeFlag,
        };

    /// <summary>The entry is read: the long name, long link and pax records before it are spent; global records stay.</summary>
    public void EntryRead()
    {
        _longName = null;
        _longLink = null;
        _localPax.Clear();
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

    private long Number(ReadOnlySpan<byte> block, string field, HeaderNumberReader read, string? paxKey, long headerOffset, string path)
    {
        if (paxKey is not null && Pax(paxKey) is { } text)
        {
            if (PaxHeader.TryParseInteger(text, out var paxValue))
            {
                return paxValue;
            }

            throw new TarFormatException($"the pax '{paxKey}' value '{text}' is not a number; the archive is corrupt.", path, headerOffset);
        }

        if (read(block, out var value) && value >= 0)
        {
            return value;
        }

        throw new TarFormatException($"the header's {field} field is not a valid number; the archive is corrupt.", path, headerOffset);
    }
}

using System.Buffers;

namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// Where the kept bytes of a filtered archive go, byte for byte as the archive holds them. Metadata headers are
/// held until their entry is known: written before it when it is kept, dropped with it when it is excluded; the
/// bytes of an excluded entry are dropped. The end of the archive is padded to a whole record, as GNU tar pads
/// its own.
/// </summary>
internal sealed class TarOutput(IBufferWriter<byte>? output)
{
    private static readonly byte[] Zeros = new byte[TarStreamParser.RecordSize];

    private readonly ArrayBufferWriter<byte> _held = new(4 * TarHeader.BlockSize);
    private bool _keepEntry;

    /// <summary>Bytes written so far.</summary>
    public long Bytes { get; private set; }

    public void Hold(ReadOnlySpan<byte> bytes) => _held.Write(bytes);

    public void WriteHeld()
    {
        Write(_held.WrittenSpan);
        _held.ResetWrittenCount();
    }

    public void DropHeld() => _held.ResetWrittenCount();

    /// <summary>An entry's header was read: its bytes (header, extension blocks, content, padding) pass only when kept.</summary>
    public void StartEntry(bool keep) => _keepEntry = keep;

    public void WriteEntryBytes(ReadOnlySpan<byte> bytes)
    {
        if (_keepEntry)
        {
            Write(bytes);
        }
    }

    /// <summary>
    /// The end-of-archive blocks were read. Two zero blocks end a tar archive; GNU tar pads the last record with
    /// zeros, and so does this filter. Metadata headers still held had no entry: the archive is corrupt.
    /// </summary>
    public void WriteEnd(string? lastEntryName, long headerOffset)
    {
        if (_held.WrittenCount > 0)
        {
            throw new TarFormatException(
                "a long-name or pax header is followed by the end of the archive instead of its entry; the archive is corrupt.",
                lastEntryName,
                headerOffset);
        }

        Write(Zeros.AsSpan(0, 2 * TarHeader.BlockSize));
        Write(Zeros.AsSpan(0, (int)((TarStreamParser.RecordSize - (Bytes % TarStreamParser.RecordSize)) % TarStreamParser.RecordSize)));
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        output?.Write(bytes);
        Bytes += bytes.Length;
    }
}

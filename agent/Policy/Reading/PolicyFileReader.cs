using System.Globalization;
using System.Text;

namespace VolumeAgent.Policy.Reading;

/// <summary>
/// Reads backup.yml's bytes, at most <see cref="MaxBytes"/> of them, and decodes them as strict UTF-8: a byte
/// that is not UTF-8 is reported at its line and column instead of being replaced by U+FFFD, which would turn a
/// password or a name silently into another one.
/// </summary>
internal static class PolicyFileReader
{
    /// <summary>1 MiB: a hundred times a large backup.yml, and little enough to read, parse and report quickly.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <exception cref="PolicyException">The file is larger than <see cref="MaxBytes"/> or is not UTF-8.</exception>
    /// <exception cref="IOException">The file cannot be opened or read (also <see cref="UnauthorizedAccessException"/> and the like).</exception>
    public static string Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (content, length) = ReadBounded(path);
        return content is null ? throw TooLarge(path, length) : Decode(content.GetBuffer().AsSpan(0, (int)content.Length), path);
    }

    /// <summary>A secret file (<c>password_file</c> and the like): the same bounds and the same strict UTF-8.</summary>
    /// <exception cref="IOException">The file cannot be read, is too large, or is not UTF-8; the message says which, never the content.</exception>
    public static string ReadSecret(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (content, length) = ReadBounded(path);
        if (content is null)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"the file is {(length is { } bytes ? $"{bytes} bytes" : "larger than that")}; a secret file may be at most 1 MiB ({MaxBytes} bytes)."));
        }

        try
        {
            return StrictUtf8.GetString(content.GetBuffer(), 0, (int)content.Length);
        }
        catch (DecoderFallbackException e)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"it is not UTF-8 text (an invalid byte at offset {e.Index}); save it as UTF-8."), e);
        }
    }

    /// <summary>The file's bytes; null (with the size when the file says it) when there are more than <see cref="MaxBytes"/>.</summary>
    private static (MemoryStream? Content, long? Length) ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);

        // A file that says it is too large is refused before a byte of it is read.
        if (stream.CanSeek && stream.Length > MaxBytes)
        {
            return (null, stream.Length);
        }

        // Sizes can lie (/proc, a file still being written, a device): never read more than one byte past the cap.
        var content = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while (content.Length <= MaxBytes && (read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, MaxBytes + 1 - content.Length))) > 0)
        {
            content.Write(buffer, 0, read);
        }

        return content.Length > MaxBytes ? (null, null) : (content, content.Length);
    }

    /// <summary>The text of <paramref name="bytes"/> without a UTF-8 byte order mark.</summary>
    /// <exception cref="PolicyException">The bytes are not UTF-8: every invalid sequence, with its line and column.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (bytes.StartsWith(Encoding.UTF8.Preamble))
        {
            bytes = bytes[Encoding.UTF8.Preamble.Length..];
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            throw new PolicyException(sourceName, [new PolicyProblem(1, 1, string.Empty,
                "the file is UTF-16 or UTF-32 text (it starts with that byte order mark); save it as UTF-8")]);
        }

        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return StrictUtf8.GetString(bytes);
        }

        var problems = new ProblemCollector();
        ReportInvalidSequences(bytes, problems);
        throw new PolicyException(sourceName, problems.Problems, problems.Count);
    }

    private static void ReportInvalidSequences(ReadOnlySpan<byte> bytes, ProblemCollector problems)
    {
        var line = 1;
        var column = 1;
        var offset = 0;
        while (offset < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[offset..], out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done)
            {
                var bad = string.Join(' ', bytes.Slice(offset, consumed).ToArray().Select(b => "0x" + b.ToString("X2", CultureInfo.InvariantCulture)));
                problems.Add(line, column, string.Empty, $"invalid UTF-8 ({bad}); backup.yml must be UTF-8 text: save it as UTF-8, or write the character again");
            }
            else if (rune.Value == '\n')
            {
                line++;
                column = 0;
            }

            column++;
            offset += consumed;
        }
    }

    private static PolicyException TooLarge(string path, long? length)
    {
        var size = length is { } bytes
            ? string.Create(CultureInfo.InvariantCulture, $"is {Bytes.Format(bytes)} ({bytes} bytes)")
            : "is larger than that";
        return new PolicyException(path, [new PolicyProblem(0, 0, string.Empty, string.Create(
            CultureInfo.InvariantCulture, $"the file {size}; backup.yml may be at most 1 MiB ({MaxBytes} bytes). Is it the right file?"))]);
    }
}

using System.Buffers;
using VolumeAgent.Docker;

namespace VolumeAgent.Restore.Verification;

/// <summary>
/// The reads a kind's content check is made of: a header, a trailer, or nothing but the end. Each reads the
/// content to its end, so the hash and size of the whole artifact are always checked.
/// </summary>
internal static class ContentReader
{
    private const int BufferSize = 128 * 1024;
    private const int TailBytes = 4096;

    /// <summary>Adds <paramref name="problem"/> unless the content starts with <paramref name="magic"/>.</summary>
    public static async Task<ArtifactContentFacts> RequireHeaderAsync(
        Stream source, ReadOnlyMemory<byte> magic, string problem, List<string> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var head = await ReadHeadAndRestAsync(source, magic.Length, cancellationToken);
        if (!head.AsSpan().SequenceEqual(magic.Span))
        {
            problems.Add(problem);
        }

        return ArtifactContentFacts.None;
    }

    /// <summary>Adds a "cut off" problem unless the content's last bytes hold <paramref name="trailer"/> (no check when null).</summary>
    public static async Task<ArtifactContentFacts> RequireTrailerAsync(
        Stream source, string? trailer, List<string> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var tail = await ReadTailAsync(source, cancellationToken);
        if (trailer is not null && !tail.Contains(trailer, StringComparison.Ordinal))
        {
            problems.Add($"it does not end with '{trailer}', so the dump is cut off.");
        }

        return ArtifactContentFacts.None;
    }

    /// <summary>The first <paramref name="headLength"/> bytes (fewer when the content is shorter); the rest is read and dropped.</summary>
    public static async Task<byte[]> ReadHeadAndRestAsync(Stream source, int headLength, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var head = new byte[headLength];
        var filled = 0;
        while (filled < headLength)
        {
            var read = await source.ReadAsync(head.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        await DrainAsync(source, cancellationToken);
        return head[..filled];
    }

    /// <summary>The last few kilobytes of the content as text.</summary>
    public static async Task<string> ReadTailAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tail = new OutputTail(TailBytes);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                tail.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return tail.ToString();
    }

    public static async Task DrainAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

using System.Buffers;
using System.IO.Compression;

namespace VolumeAgent.Pipeline.Gzip;

/// <summary>One chunk of input compressed into one complete gzip member, on a worker thread.</summary>
internal static class GzipMember
{
    /// <summary>Header (no name, mtime 0, OS Unix), one empty final fixed-Huffman block, CRC32 0, size 0.</summary>
    private static readonly byte[] EmptyMember =
        [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    private static int s_liveWorkers;

    /// <summary>Compressions running in this process, for tests that check none outlives its stream.</summary>
    public static int LiveWorkerCount => Volatile.Read(ref s_liveWorkers);

    /// <summary>
    /// Compresses the first <paramref name="length"/> bytes of <paramref name="chunk"/>, a pooled array that is
    /// returned to <see cref="ArrayPool{T}.Shared"/> whatever happens.
    /// </summary>
    public static PooledBufferStream Compress(byte[] chunk, int length, ZLibCompressionOptions options, CancellationToken abort)
    {
        Interlocked.Increment(ref s_liveWorkers);
        try
        {
            abort.ThrowIfCancellationRequested();
            if (length == 0)
            {
                // GZipStream writes nothing at all for no input; gunzip needs a complete (empty) member.
                var empty = new PooledBufferStream(EmptyMember.Length);
                empty.Write(EmptyMember);
                return empty;
            }

            var member = new PooledBufferStream(length + (length / 256) + 1024);
            try
            {
                using (var gzip = new GZipStream(member, options, leaveOpen: true))
                {
                    gzip.Write(chunk, 0, length);
                }

                return member;
            }
            catch
            {
                member.Dispose();
                throw;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            Interlocked.Decrement(ref s_liveWorkers);
        }
    }
}

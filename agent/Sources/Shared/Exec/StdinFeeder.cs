using System.Buffers;
using System.Net.Sockets;

namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>Copies a stream into a process's stdin (a helper's or an exec's).</summary>
internal static class StdinFeeder
{
    private const int BufferSize = 128 * 1024;

    /// <summary>
    /// Returns true when the whole source went in; false when the process stopped reading first (it ended, or
    /// failed: its exit code tells). Errors reading the source propagate: the caller must then stop the process,
    /// since what it received so far is not the whole input.
    /// </summary>
    public static async Task<bool> FeedAsync(Stream source, Stream stdin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stdin);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                try
                {
                    await stdin.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                catch (Exception ex) when (IsClosedInput(ex))
                {
                    return false;
                }
            }

            return await CloseAsync(stdin, null, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Flushes and ends the process's stdin; false when it is gone already.</summary>
    public static async Task<bool> CloseAsync(Stream stdin, Action? closeWrite, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdin);
        try
        {
            await stdin.FlushAsync(cancellationToken);
            closeWrite?.Invoke();
            return true;
        }
        catch (Exception ex) when (IsClosedInput(ex))
        {
            return false;
        }
    }

    /// <summary>True for the errors a write to a process's stdin fails with once the process stopped reading.</summary>
    public static bool IsClosedInput(Exception ex) => ex is IOException or SocketException or ObjectDisposedException;
}

using VolumeAgent.IO;

namespace VolumeAgent.Runs;

/// <summary>
/// A source's output as its <see cref="StallWatchdog"/> sees it: every read is pending until it returns, and a read
/// that returns counts as progress. A stall cancels the read (the engine's streams all honour cancellation). The
/// inner stream stays open: its producer owns it.
/// </summary>
internal sealed class WatchedReadStream(Stream inner, StallWatchdog watchdog) : ReadOnlyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token)
            : null;
        watchdog.BeginRead();
        var done = false;
        try
        {
            var read = await inner.ReadAsync(buffer, linked?.Token ?? watchdog.Token);
            done = true;
            return read;
        }
        finally
        {
            watchdog.EndRead(done);
        }
    }
}

/// <summary>
/// A storage's stream as a <see cref="StallWatchdog"/> sees it: every write is pending until it returns, and one that
/// returns counts as progress. A write that hangs in the kernel (a network mount that stopped answering) cannot be
/// cancelled; it is given up when the step stalls, and the caller aborts the file.
/// </summary>
internal sealed class WatchedWriteStream(Stream inner, string storage, StallWatchdog watchdog) : WriteOnlyStream
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        watchdog.BeginStorage(storage);
        var done = false;
        try
        {
            var write = inner.WriteAsync(buffer, cancellationToken);
            if (write.IsCompleted)
            {
                await write;
            }
            else
            {
                await write.AsTask().WaitAsync(watchdog.Token);
            }

            done = true;
        }
        finally
        {
            watchdog.EndStorage(storage, done);
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        watchdog.Progress();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        watchdog.BeginStorage(storage);
        var done = false;
        try
        {
            await inner.FlushAsync(cancellationToken).WaitAsync(watchdog.Token);
            done = true;
        }
        finally
        {
            watchdog.EndStorage(storage, done);
        }
    }

    public override void Flush() => inner.Flush();
}

using System.IO.Compression;

namespace VolumeAgent.Pipeline.Gzip;

/// <summary>
/// The worker pool of <see cref="ParallelGzipStream"/>: chunks are compressed into gzip members on at most
/// <c>threads</c> workers at once, and the members are written out in the order their chunks were submitted.
/// Aborting cancels the work not yet started; disposing waits for the rest and returns every buffer.
/// </summary>
internal sealed class GzipMemberQueue : IDisposable
{
    private readonly ZLibCompressionOptions _options;
    private readonly ConcurrentExclusiveSchedulerPair _schedulers;
    private readonly Queue<Task<PooledBufferStream>> _inFlight = new();
    private readonly CancellationTokenSource _abort = new();

    public GzipMemberQueue(int level, int threads)
    {
        _options = new ZLibCompressionOptions { CompressionLevel = level, CompressionStrategy = ZLibCompressionStrategy.Default };
        _schedulers = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, threads);
    }

    /// <summary>Chunks submitted and not yet written out.</summary>
    public int Count => _inFlight.Count;

    /// <summary>True when the oldest member is compressed, so writing it does not wait.</summary>
    public bool HeadIsReady => _inFlight.TryPeek(out var head) && head.IsCompleted;

    /// <summary>Queues a pooled chunk for compression; the queue owns the array from here on.</summary>
    public void Submit(byte[] chunk, int length)
    {
        var job = new MemberJob(chunk, length, _options, _abort.Token);
        _inFlight.Enqueue(Task.Factory.StartNew(
            static state => ((MemberJob)state!).Run(),
            job,
            CancellationToken.None,
            TaskCreationOptions.DenyChildAttach,
            _schedulers.ConcurrentScheduler));
    }

    /// <summary>Waits for the oldest member and writes it to <paramref name="output"/>.</summary>
    public void WriteHead(Stream output)
    {
        // Dequeued only once finished, so an interrupted wait leaves the member for Dispose to return.
        var head = _inFlight.Peek();
        using var member = head.GetAwaiter().GetResult();
        _ = _inFlight.Dequeue();
        output.Write(member.WrittenMemory.Span);
    }

    public async ValueTask WriteHeadAsync(Stream output, CancellationToken cancellationToken)
    {
        var head = _inFlight.Peek();
        await head.WaitAsync(cancellationToken);
        using var member = head.Result;
        _ = _inFlight.Dequeue();
        await output.WriteAsync(member.WrittenMemory, cancellationToken);
    }

    /// <summary>Cancels the chunks no worker has started.</summary>
    public void Abort() => _abort.Cancel();

    /// <summary>Aborts and waits for the workers, so none outlives the stream; their failures were already seen.</summary>
    public async ValueTask AbandonAsync()
    {
        _abort.Cancel();
        foreach (var task in _inFlight)
        {
            try
            {
                await task;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidDataException)
            {
                // The stream is being abandoned; the failure already surfaced through the write that saw it.
            }
        }
    }

    public void Dispose()
    {
        _abort.Cancel();
        while (_inFlight.TryDequeue(out var task))
        {
            try
            {
                task.GetAwaiter().GetResult().Dispose();
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidDataException)
            {
                // Abandoned work: its chunk buffer went back to the pool inside the worker.
            }
        }

        _schedulers.Complete();
        _abort.Dispose();
    }

    private sealed class MemberJob(byte[] chunk, int length, ZLibCompressionOptions options, CancellationToken abort)
    {
        public PooledBufferStream Run() => GzipMember.Compress(chunk, length, options, abort);
    }
}

using System.Threading.Channels;
using VolumeAgent.Control.Protocol;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// Queues a connection's events and writes them in order on one pump, so producers on any thread (the runner's
/// progress, the log sink) never wait for the client. A client that stops reading loses events beyond the
/// queue's bound, never the daemon's time.
/// </summary>
internal sealed class ControlEventStream : IControlEvents, IDisposable
{
    private const int Capacity = 10_000;
    private readonly ControlConnection _connection;
    private readonly Channel<ControlEvent> _queue = Channel.CreateBounded<ControlEvent>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Task _pump;
    private readonly CancellationTokenSource _abort = new();
    private int _dropped;

    public ControlEventStream(ControlConnection connection)
    {
        _connection = connection;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>True once a write failed: the client is gone.</summary>
    public bool Broken { get; private set; }

    public int Dropped => Volatile.Read(ref _dropped);

    public void Post(ControlEvent controlEvent)
    {
        ArgumentNullException.ThrowIfNull(controlEvent);
        if (!_queue.Writer.TryWrite(controlEvent))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Sends what is queued, waiting at most <paramref name="bound"/> for a slow client.</summary>
    public async Task CompleteAsync(TimeSpan bound)
    {
        _queue.Writer.TryComplete();
        try
        {
            await _pump.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync();
            await _pump;
        }
    }

    public void Dispose() => _abort.Dispose();

    private async Task PumpAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync())
        {
            if (Broken)
            {
                continue;
            }

            try
            {
                await _connection.WriteAsync(item, ControlJsonContext.Default.ControlEvent, _abort.Token);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
            {
                Broken = true;
            }
        }
    }
}

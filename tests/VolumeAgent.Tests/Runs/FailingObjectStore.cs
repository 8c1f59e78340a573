using VolumeAgent.IO;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// A storage that goes wrong on demand, around a real one: refuses the write check (a storage that is down when
/// the run starts), breaks every upload after some bytes (a connection reset mid-upload), or hangs after some bytes
/// (a server that stops answering): from then on every operation on it waits for ever, cancellation or not, as an
/// operation on a hung SSH connection waits out its library's timeout. A test double: it stands for a remote storage
/// failing in ways a local disk cannot be made to fail on cue.
/// </summary>
internal sealed class FailingObjectStore(IObjectStore inner) : IObjectStore, IDisposable
{
    private readonly CancellationTokenSource _released = new();
    private volatile bool _hung;

    /// <summary>The write check throws, as for a storage that cannot be reached.</summary>
    public bool Down { get; set; }

    /// <summary>Uploads throw after this many bytes; null: they work.</summary>
    public long? BreakUploadsAfter { get; set; }

    /// <summary>Uploads hang after this many bytes, and so does every operation after that; null: they do not.</summary>
    public long? HangUploadsAfter { get; set; }

    /// <summary>The operations that were called once the storage hung (each waits for ever).</summary>
    public List<string> CalledWhileHung { get; } = [];

    public string Location => "test://failing";

    /// <summary>Ends the operations left waiting on the hung storage.</summary>
    public void Dispose()
    {
        _released.Cancel();
        _released.Dispose();
    }

    public string Describe(SetAddress set) => inner.Describe(set);

    public Task CheckWritableAsync(CancellationToken cancellationToken) =>
        Down ? throw new StorageException("test://failing did not answer (connection refused); check that it is up.") : inner.CheckWritableAsync(cancellationToken);

    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken) => WhileUp("create set", () => inner.CreateSetAsync(set, cancellationToken));

    public async Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        await WhileUp("start upload " + name, () => Task.CompletedTask);
        var upload = await inner.StartUploadAsync(set, name, cancellationToken);
        return BreakUploadsAfter is { } limit ? new BreakingUpload(upload, limit, this, hang: false)
            : HangUploadsAfter is { } after ? new BreakingUpload(upload, after, this, hang: true)
            : upload;
    }

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WhileUp("put " + name, () => inner.PutAsync(set, name, content, cancellationToken));

    public Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken) => inner.OpenReadAsync(set, name, cancellationToken);

    public IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken) => inner.ListJobsAsync(cancellationToken);

    public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken) => inner.ListSetsAsync(job, cancellationToken);

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) => inner.ListObjectsAsync(set, cancellationToken);

    public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken) => WhileUp("delete " + name, () => inner.DeleteAsync(set, name, cancellationToken));

    public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken) => WhileUp("delete set", () => inner.DeleteSetAsync(set, cancellationToken));

    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken) => WhileUp("point latest", () => inner.PointLatestAsync(job, setName, cancellationToken));

    /// <summary>The operation, or (once the storage hung) a wait that only the test's end releases.</summary>
    private async Task WhileUp(string operation, Func<Task> run)
    {
        if (!_hung)
        {
            await run();
            return;
        }

        lock (CalledWhileHung)
        {
            CalledWhileHung.Add(operation);
        }

        await Task.Delay(Timeout.Infinite, _released.Token);
    }

    private sealed class BreakingUpload(IObjectUpload inner, long limit, FailingObjectStore store, bool hang) : IObjectUpload
    {
        private readonly BreakingStream _stream = new(inner.Stream, limit, store, hang);

        public Stream Stream => _stream;

        public long BytesWritten => inner.BytesWritten;

        public Task CommitAsync(CancellationToken cancellationToken) => store.WhileUp("commit", () => inner.CommitAsync(cancellationToken));

        public Task AbortAsync() => store.WhileUp("abort", inner.AbortAsync);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class BreakingStream(Stream inner, long limit, FailingObjectStore store, bool hang) : WriteOnlyStream
    {
        private long _written;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_written + buffer.Length > limit && hang)
            {
                store._hung = true;
                await Task.Delay(Timeout.Infinite, store._released.Token);
            }

            if (_written + buffer.Length > limit)
            {
                throw new IOException("Connection reset by peer (test://failing)");
            }

            _written += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > limit)
            {
                throw new IOException("Connection reset by peer (test://failing)");
            }

            _written += buffer.Length;
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    }
}

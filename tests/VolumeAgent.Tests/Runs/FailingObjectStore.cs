using VolumeAgent.IO;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Runs;

/// <summary>
/// A storage that goes wrong on demand, around a real one: refuses the write check (a storage that is down when
/// the run starts), or breaks every upload after some bytes (a connection reset mid-upload). A test double: it
/// stands for a remote storage failing in ways a local disk cannot be made to fail on cue.
/// </summary>
internal sealed class FailingObjectStore(IObjectStore inner) : IObjectStore
{
    /// <summary>The write check throws, as for a storage that cannot be reached.</summary>
    public bool Down { get; set; }

    /// <summary>Uploads throw after this many bytes; null: they work.</summary>
    public long? BreakUploadsAfter { get; set; }

    public string Location => "test://failing";

    public string Describe(SetAddress set) => inner.Describe(set);

    public Task CheckWritableAsync(CancellationToken cancellationToken) =>
        Down ? throw new StorageException("test://failing did not answer (connection refused); check that it is up.") : inner.CheckWritableAsync(cancellationToken);

    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken) => inner.CreateSetAsync(set, cancellationToken);

    public async Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        var upload = await inner.StartUploadAsync(set, name, cancellationToken);
        return BreakUploadsAfter is { } limit ? new BreakingUpload(upload, limit) : upload;
    }

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutAsync(set, name, content, cancellationToken);

    public Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken) => inner.OpenReadAsync(set, name, cancellationToken);

    public IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken) => inner.ListJobsAsync(cancellationToken);

    public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken) => inner.ListSetsAsync(job, cancellationToken);

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) => inner.ListObjectsAsync(set, cancellationToken);

    public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken) => inner.DeleteAsync(set, name, cancellationToken);

    public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken) => inner.DeleteSetAsync(set, cancellationToken);

    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken) => inner.PointLatestAsync(job, setName, cancellationToken);

    private sealed class BreakingUpload(IObjectUpload inner, long limit) : IObjectUpload
    {
        private readonly BreakingStream _stream = new(inner.Stream, limit);

        public Stream Stream => _stream;

        public long BytesWritten => inner.BytesWritten;

        public Task CommitAsync(CancellationToken cancellationToken) => inner.CommitAsync(cancellationToken);

        public Task AbortAsync() => inner.AbortAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class BreakingStream(Stream inner, long limit) : WriteOnlyStream
    {
        private long _written;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
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

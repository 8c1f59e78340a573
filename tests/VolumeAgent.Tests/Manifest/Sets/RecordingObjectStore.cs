using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Manifest.Sets;

/// <summary>
/// A test double around a real <see cref="IObjectStore"/>: records the calls that change the storage, in order
/// ("commit a.tar.gz", "put SHA256SUMS", "delete manifest.json", "delete set"), and fails a put of a chosen name,
/// so tests see in which order the shared set logic writes and removes; and counts the listings of a job's sets.
/// </summary>
internal sealed class RecordingObjectStore(IObjectStore inner) : IObjectStore
{
    private readonly List<string> _calls = [];
    private int _setListings;

    /// <summary>A put of this name throws an <see cref="IOException"/> instead of writing.</summary>
    public string? FailPutOf { get; set; }

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>How many times the sets of a job were listed: the costly call on a remote storage.</summary>
    public int SetListings => Volatile.Read(ref _setListings);

    public string Location => inner.Location;

    public string Describe(SetAddress set) => inner.Describe(set);

    public Task CheckWritableAsync(CancellationToken cancellationToken) => inner.CheckWritableAsync(cancellationToken);

    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        Record("create set");
        return inner.CreateSetAsync(set, cancellationToken);
    }

    public async Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken) =>
        new RecordingUpload(this, name, await inner.StartUploadAsync(set, name, cancellationToken));

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (name == FailPutOf)
        {
            Record("failed put " + name);
            throw new IOException($"simulated failure writing {name}");
        }

        Record("put " + name);
        return inner.PutAsync(set, name, content, cancellationToken);
    }

    public Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken) => inner.OpenReadAsync(set, name, cancellationToken);

    public IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken) => inner.ListJobsAsync(cancellationToken);

    public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _setListings);
        return inner.ListSetsAsync(job, cancellationToken);
    }

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) =>
        inner.ListObjectsAsync(set, cancellationToken);

    public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        Record("delete " + name);
        return inner.DeleteAsync(set, name, cancellationToken);
    }

    public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        Record("delete set");
        return inner.DeleteSetAsync(set, cancellationToken);
    }

    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken)
    {
        Record("point latest");
        return inner.PointLatestAsync(job, setName, cancellationToken);
    }

    private void Record(string call)
    {
        lock (_calls)
        {
            _calls.Add(call);
        }
    }

    private sealed class RecordingUpload(RecordingObjectStore store, string name, IObjectUpload inner) : IObjectUpload
    {
        public Stream Stream => inner.Stream;

        public long BytesWritten => inner.BytesWritten;

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            await inner.CommitAsync(cancellationToken);
            store.Record("commit " + name);
        }

        public async Task AbortAsync()
        {
            await inner.AbortAsync();
            store.Record("abort " + name);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

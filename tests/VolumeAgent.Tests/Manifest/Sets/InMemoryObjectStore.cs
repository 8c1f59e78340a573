using System.Collections.Concurrent;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Manifest.Sets;

/// <summary>
/// A test double: an <see cref="IObjectStore"/> that keeps objects in memory, the smallest storage there can be. It
/// implements the byte operations only, so the shared set logic (<c>SetStore</c>) is tested as a new storage would
/// use it. Not thread-safe beyond what the tests need; never used by the agent.
/// </summary>
internal sealed class InMemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<SetAddress, ConcurrentDictionary<string, byte[]>> _sets = new();

    public string Location => "memory://test";

    public string Describe(SetAddress set) => $"{Location}/{set}";

    public Task CheckWritableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CreateSetAsync(SetAddress set, CancellationToken cancellationToken) =>
        _sets.TryAdd(set, new ConcurrentDictionary<string, byte[]>(StringComparer.Ordinal))
            ? Task.CompletedTask
            : throw new IOException($"Set {set} exists already.");

    public Task<IObjectUpload> StartUploadAsync(SetAddress set, string name, CancellationToken cancellationToken) =>
        Task.FromResult<IObjectUpload>(new Upload(Objects(set), name));

    public Task PutAsync(SetAddress set, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        Objects(set)[name] = content.ToArray();
        return Task.CompletedTask;
    }

    public Task<Stream> OpenReadAsync(SetAddress set, string name, CancellationToken cancellationToken) =>
        _sets.TryGetValue(set, out var objects) && objects.TryGetValue(name, out var content)
            ? Task.FromResult<Stream>(new MemoryStream(content, writable: false))
            : throw new FileNotFoundException($"Set {set} has no object '{name}'.");

    public IAsyncEnumerable<string> ListJobsAsync(CancellationToken cancellationToken) =>
        _sets.Keys.Select(set => set.Job).Distinct().ToAsyncEnumerable();

    public IAsyncEnumerable<string> ListSetsAsync(string job, CancellationToken cancellationToken) =>
        _sets.Keys.Where(set => set.Job == job).Select(set => set.Name).ToAsyncEnumerable();

    public Task<IReadOnlyList<StoredObject>> ListObjectsAsync(SetAddress set, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredObject>>(
            _sets.TryGetValue(set, out var objects) ? [.. objects.Select(o => new StoredObject(o.Key, o.Value.Length))] : []);

    public Task DeleteAsync(SetAddress set, string name, CancellationToken cancellationToken)
    {
        if (_sets.TryGetValue(set, out var objects))
        {
            objects.TryRemove(name, out _);
        }

        return Task.CompletedTask;
    }

    public Task DeleteSetAsync(SetAddress set, CancellationToken cancellationToken)
    {
        _sets.TryRemove(set, out _);
        return Task.CompletedTask;
    }

    /// <summary>Each job's latest pointer, as <see cref="PointLatestAsync"/> left it.</summary>
    public ConcurrentDictionary<string, string> Latest { get; } = new(StringComparer.Ordinal);

    public Task PointLatestAsync(string job, string? setName, CancellationToken cancellationToken)
    {
        if (setName is null)
        {
            Latest.TryRemove(job, out _);
        }
        else
        {
            Latest[job] = setName;
        }

        return Task.CompletedTask;
    }

    private ConcurrentDictionary<string, byte[]> Objects(SetAddress set) =>
        _sets.TryGetValue(set, out var objects) ? objects : throw new IOException($"Set {set} does not exist.");

    private sealed class Upload(ConcurrentDictionary<string, byte[]> objects, string name) : IObjectUpload
    {
        private readonly MemoryStream _buffer = new();
        private bool _done;

        public Stream Stream => _buffer;

        public long BytesWritten => _buffer.Length;

        public Task CommitAsync(CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _done = true;
            objects[name] = _buffer.ToArray();
            return Task.CompletedTask;
        }

        public Task AbortAsync()
        {
            _done = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _done = true;
            return _buffer.DisposeAsync();
        }
    }
}

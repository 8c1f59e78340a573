namespace VolumeAgent.Pipeline.Tar;

/// <summary>
/// Watches the raw bytes of a tar artifact as the pipeline streams them (no second copy, nothing dropped)
/// and records its entries and tree digest; <see cref="Complete"/> fails the pipeline on a truncated archive.
/// </summary>
internal sealed class TarInspector : IRawStreamObserver, IDisposable
{
    private readonly TarStreamParser _parser = new();
    private string? _treeDigest;

    public IReadOnlyList<TarEntryInfo> Entries => _parser.Entries;

    public bool IsComplete => _parser.IsComplete;

    public string TreeDigest => _treeDigest ??= _parser.IsComplete
        ? TarTreeDigest.Compute(_parser.Entries)
        : throw new InvalidOperationException("The tree digest is known only after the whole archive was read.");

    public void OnData(ReadOnlySpan<byte> data) => _parser.Feed(data);

    public void Complete() => _parser.Complete();

    public void Dispose() => _parser.Dispose();
}

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// The agent's snapshots in one repository (<c>restic snapshots --json --tag volume-agent</c>), listed once and kept
/// until a write or a forget makes the list old. Every listing costs a helper container and restic's key derivation
/// (about half a second each, whatever the repository's size), so a run lists only when it must: the list the
/// storage check makes at the start of a run serves the parents of its trees, and a snapshot the run made is named
/// by its full id from a local repository's own <c>snapshots/</c> directory instead of a new listing.
/// </summary>
internal sealed class ResticSnapshots(ResticHelper restic)
{
    private static readonly string[] ListArguments = ["snapshots", "--json", "--tag", ResticObjectStore.AgentTag];
    private IReadOnlyList<ResticSnapshot>? _list;
    private IReadOnlyList<ResticSnapshot>? _atCheck;

    /// <summary>Lists the snapshots; an exit other than 0 is returned with restic's message and lists nothing.</summary>
    public async Task<(long Exit, string Stderr)> TryListAsync(CancellationToken cancellationToken)
    {
        var (exit, output, stderr) = await restic.TryCaptureAsync(ListArguments, cancellationToken);
        if (exit == 0)
        {
            _list = _atCheck = ResticJson.ParseSnapshots(output);
        }

        return (exit, stderr);
    }

    /// <summary>The list of a repository just created: it holds no snapshot.</summary>
    public void SetEmpty() => _list = _atCheck = [];

    /// <summary>
    /// The snapshots a tree's parent is chosen from: the list of the run's storage check, which the run's own writes do
    /// not make old for this (each is of another source, or of another set of the same source, never a parent of this
    /// run's trees); without a check, the current list.
    /// </summary>
    public async Task<IReadOnlyList<ResticSnapshot>> ParentsAsync(CancellationToken cancellationToken) =>
        _atCheck ?? await GetAsync(cancellationToken);

    /// <summary>The list is old: a write or a forget changed the repository.</summary>
    public void Invalidate() => _list = null;

    /// <summary>Every snapshot the agent wrote, listed when the list is old; a repository never written holds none.</summary>
    public async Task<IReadOnlyList<ResticSnapshot>> GetAsync(CancellationToken cancellationToken)
    {
        if (_list is { } known)
        {
            return known;
        }

        var (exit, stderr) = await TryListAsync(cancellationToken);
        if (exit == 0)
        {
            return _list!;
        }

        // A storage that was never written has no repository yet: it holds no sets.
        return ResticErrors.IsMissing(stderr) ? [] : throw await restic.FailureAsync("snapshots", exit, stderr, cancellationToken);
    }

    /// <summary>
    /// The newest agent snapshot holding each object path (<c>/&lt;job&gt;/&lt;set&gt;/&lt;name&gt;</c>), whether it holds that
    /// object alone or with the set's other closing files (<see cref="ResticSetFiles.ObjectPathsOf"/>).
    /// </summary>
    public async Task<Dictionary<string, ResticSnapshot>> NewestByPathAsync(CancellationToken cancellationToken) =>
        NewestByPath(await GetAsync(cancellationToken));

    /// <inheritdoc cref="NewestByPathAsync"/>
    internal static Dictionary<string, ResticSnapshot> NewestByPath(IEnumerable<ResticSnapshot> snapshots) =>
        snapshots
            .SelectMany(s => ResticSetFiles.ObjectPathsOf(s).Select(path => (Path: path, Snapshot: s)))
            .GroupBy(o => o.Path, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(o => o.Snapshot.Time).Last().Snapshot, StringComparer.Ordinal);

    /// <summary>
    /// The full id of a snapshot restic's backup summary named by its short id (restic 0.14 prints only that): the one
    /// file of a local repository's <c>snapshots/</c> directory whose name starts with it, else from a new listing;
    /// the short id itself when neither finds exactly one.
    /// </summary>
    public async Task<string> FullIdAsync(string shortId, CancellationToken cancellationToken)
    {
        if (restic.Options.IsLocal)
        {
            var directory = Path.Combine(restic.Options.Repository, "snapshots");
            var found = Directory.Exists(directory) ? Directory.GetFiles(directory, shortId + "*") : [];
            if (found.Length == 1)
            {
                return Path.GetFileName(found[0]);
            }
        }

        var matches = (await GetAsync(cancellationToken)).Where(s => s.Id.StartsWith(shortId, StringComparison.Ordinal)).ToList();
        return matches.Count == 1 ? matches[0].Id : shortId;
    }
}

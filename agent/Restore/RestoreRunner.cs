using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Runs;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Restore;

/// <summary>
/// Restores a backup set in two phases. <see cref="PlanAsync"/> writes nothing: it reads every selected
/// artifact in full (SHA-256 against the manifest and SHA256SUMS, compression, archive completeness and entry
/// names) and looks at every target, refusing with every reason at once. <see cref="ExecuteAsync"/> then
/// restores, re-hashing each artifact as it streams so the bytes restored are the bytes checked.
/// </summary>
internal sealed class RestoreRunner
{
    private readonly SourceContext _context;
    private readonly BackupPolicy? _policy;
    private readonly string _stateDir;
    private readonly ILogger _log;

    public RestoreRunner(SourceContext context, BackupPolicy? policy, string stateDir, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stateDir);
        ArgumentNullException.ThrowIfNull(log);
        _context = context;
        _policy = policy;
        _stateDir = stateDir;
        _log = log;
    }

    private IDockerEngine Docker => _context.Docker;

    /// <summary>Checks everything; throws <see cref="RestoreRefusedException"/> with every reason when the restore must not start.</summary>
    public async Task<RestorePlan> PlanAsync(StoredSet set, RestoreRequest request, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(request);
        var manifest = set.Set.Manifest ?? throw new RestoreRefusedException($"Backup set {set.Name} has no readable manifest: {set.Set.Problem}");
        var notes = new List<string>();
        var selected = Select(manifest, set.StorageName, request, notes);
        ValidateOptions(selected, request);

        // Targets first: looking costs little, and a refusal there spares reading gigabytes for nothing.
        var refusals = new List<string>();
        var plans = new List<Func<ArtifactScan, IRestoreStep>>();
        var engines = new List<string>();
        var planners = new Dictionary<(ISourceKind, string), IRestorePlanner?>();
        foreach (var artifact in selected)
        {
            // Each artifact goes back to the engine it was read on, unless --engine names another.
            var engine = request.Engine ?? artifact.Engine ?? EngineRegistry.DefaultName;
            engines.Add(engine);
            try
            {
                IRestorePlanner? planner = null;
                if (SourceKinds.Of(artifact.SourceKind) is { } kind && !planners.TryGetValue((kind, engine), out planner))
                {
                    var planning = new RestorePlanning { Context = On(engine, artifact), Set = set, Request = request, Policy = _policy };
                    planners[(kind, engine)] = planner = kind.StartRestore(planning);
                }

                plans.Add(planner is null
                    ? throw new RestoreRefusedException($"{artifact.File} is a {artifact.SourceKind} artifact, which this version restores only by hand (see docs/restore.md).")
                    : await planner.PlanAsync(artifact, refusals, cancellationToken));
            }
            catch (Exception ex) when (ex is RestoreRefusedException or ArtifactFailedException or DockerApiException)
            {
                refusals.Add(ex.Message);
            }
        }

        if (refusals.Count > 0)
        {
            throw new RestoreRefusedException("Nothing was restored:" + Environment.NewLine + string.Join(Environment.NewLine, refusals.Select(r => "  - " + r)));
        }

        if (set.Keys is null && selected.FirstOrDefault(a => a.Encryption is not null) is { } encrypted)
        {
            throw new RestoreRefusedException($"{Crypto.ArtifactDecryption.NeedsKeys(encrypted.File!)}. Nothing was restored.");
        }

        var checksums = await ChecksumsFile.ReadAsync(set.Store, set.Set, cancellationToken)
            ?? throw new RestoreRefusedException($"Backup set {set.Name} has no {BackupSetLayout.ChecksumsFileName}, so its artifacts cannot be checked. Nothing was restored.");
        var steps = new List<IRestoreStep>();
        var problems = new List<string>(checksums.Problems);
        for (var i = 0; i < selected.Count; i++)
        {
            if (selected[i].Snapshot is not null)
            {
                // A tree the storage keeps itself: the snapshot must be there; its data is the storage's to check.
                var tree = await FileTreeScan.CheckAsync(set, selected[i], cancellationToken);
                problems.AddRange(tree.Scan.Problems);
                steps.Add(plans[i](tree.Scan));
                continue;
            }

            progress?.Report($"checking {selected[i].File} ({Bytes.Format(selected[i].StoredBytes)})");
            var scan = await ArtifactScanner.ScanAsync(set.Store, set.Set, selected[i], checksums, check: null, keepEntries: false, set.Keys, cancellationToken);
            problems.AddRange(scan.Problems);
            steps.Add(plans[i](scan));
        }

        if (problems.Count > 0)
        {
            throw new RestoreRefusedException(
                "The backup set failed its checks; nothing was restored:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)));
        }

        return new RestorePlan { Set = set, Steps = steps, Notes = notes, Engines = engines };
    }

    /// <summary>Runs the plan's steps in order, stopping at the first failure (which names what was and was not restored).</summary>
    public async Task<IReadOnlyList<string>> ExecuteAsync(RestorePlan plan, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var done = new List<string>();
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
            var environment = new RestoreEnvironment { Set = plan.Set, Context = _context.On(plan.EngineOf(i)), StateDir = _stateDir, Log = _log };
            progress?.Report($"restoring {step.Scan.File}");
            try
            {
                var line = await step.RunAsync(environment, cancellationToken);
                done.Add(line);
                progress?.Report("  " + line);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                progress?.Report(Account($"Cancelled while restoring {step.Scan.File}.", done, plan.Steps.Skip(i + 1)));
                throw;
            }
            catch (Exception ex) when (ex is RestoreFailedException or ArtifactFailedException or DockerApiException or DockerUnavailableException or StorageException
                or UnsafeEntryException or IOException or InvalidDataException or TimeoutException or Runs.Stops.ContainerRestartException
                or OperationCanceledException)
            {
                throw new RestoreFailedException(Account($"Restoring {step.Scan.File} failed: {ex.Message}", done, plan.Steps.Skip(i + 1)), ex);
            }
        }

        return done;
    }

    /// <summary>The run's context on <paramref name="engine"/>; refused, naming the artifact and the fix, when the agent does not know it.</summary>
    private SourceContext On(string engine, ManifestArtifact artifact)
    {
        try
        {
            return _context.On(engine);
        }
        catch (EngineNotDefinedException ex)
        {
            throw new RestoreRefusedException(
                $"{artifact.File} was backed up on engine '{engine}', which this agent does not know: {ex.Message} To restore it elsewhere, pass --engine NAME.");
        }
    }

    private static string Account(string what, List<string> done, IEnumerable<IRestoreStep> rest)
    {
        var left = rest.Select(s => s.Scan.File).ToList();
        return what
            + (done.Count > 0 ? $"{Environment.NewLine}Restored before that: {string.Join("; ", done)}" : string.Empty)
            + (left.Count > 0 ? $"{Environment.NewLine}Not restored: {string.Join(", ", left)}" : string.Empty);
    }

    private static List<ManifestArtifact> Select(BackupManifest manifest, string storage, RestoreRequest request, List<string> notes)
    {
        // What this storage's copy of the set holds: a volume kept as a snapshot here replaces its tar.
        var held = manifest.Artifacts.Where(a => a.IsHeldBy(storage, manifest.Artifacts)).ToList();
        var usable = held.Where(a => a.Status == ManifestStatus.Succeeded && (a.File is not null || a.Snapshot is not null)).ToList();
        List<ManifestArtifact> selected;
        if (request.Artifacts.Count == 0)
        {
            selected = usable;
        }
        else
        {
            selected = [];
            var unknown = new List<string>();
            foreach (var name in request.Artifacts)
            {
                var matches = held.Where(a => Matches(a, name)).ToList();
                if (matches.Count == 0)
                {
                    unknown.Add(name);
                }

                foreach (var match in matches.Where(m => !selected.Contains(m)))
                {
                    if (!usable.Contains(match))
                    {
                        throw new RestoreRefusedException($"{match.File ?? match.SourceName} failed when the backup ran ({match.Error}); it cannot be restored. Nothing was restored.");
                    }

                    selected.Add(match);
                }
            }

            if (unknown.Count > 0)
            {
                throw new RestoreRefusedException(
                    $"The set has no artifact {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Its artifacts: {string.Join(", ", held.Select(a => a.File ?? a.SourceName))}. "
                    + "Name one by file name, source name or database name.");
            }

            // Restore order is the set's, whatever the order of --artifact: roles before the databases that use them.
            selected = [.. manifest.Artifacts.Where(selected.Contains)];
        }

        foreach (var failed in held.Where(a => !usable.Contains(a) && request.Artifacts.Count == 0))
        {
            notes.Add($"{failed.File ?? failed.SourceName} is not restored: it failed when the backup ran ({failed.Error}).");
        }

        if (selected.Count == 0)
        {
            throw new RestoreRefusedException("The set holds no artifact that can be restored.");
        }

        return selected;
    }

    internal static bool Matches(ManifestArtifact artifact, string name)
    {
        if (artifact.File is { } file)
        {
            var clear = artifact.Encryption is not null && Crypto.ArtifactEncryption.IsEncryptedName(file) ? file[..^Crypto.ArtifactEncryption.FileExtension.Length] : file;
            var kind = Compressors.KindFromFileName(clear);
            var bare = kind == CompressionKind.None ? clear : clear[..clear.LastIndexOf('.')];
            // Every source ends the artifact's name with its format's suffix (.tar, .dump, .sql, ...), before the compression's.
            var stem = bare.LastIndexOf('.') is > 0 and var dot ? bare[..dot] : bare;
            if (string.Equals(file, name, StringComparison.Ordinal) || string.Equals(clear, name, StringComparison.Ordinal) || string.Equals(bare, name, StringComparison.Ordinal) || string.Equals(stem, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return string.Equals(artifact.SourceName, name, StringComparison.Ordinal)
            || string.Equals(artifact.Database, name, StringComparison.Ordinal);
    }

    private static void ValidateOptions(IReadOnlyList<ManifestArtifact> selected, RestoreRequest request)
    {
        var archives = selected.Where(a => TraitsOf(a).Archive).ToList();
        if (request.ToVolume is not null && archives.Count != 1)
        {
            throw new RestoreRefusedException(
                $"--to-volume restores one volume or path artifact, but {archives.Count} are selected ({string.Join(", ", archives.Select(a => a.File))}). Choose one with --artifact.");
        }

        var databases = selected.Where(a => TraitsOf(a).DatabaseDump).ToList();
        if (request.Database is not null && databases.Count != 1)
        {
            throw new RestoreRefusedException(
                $"--database restores one database dump, but {databases.Count} are selected ({string.Join(", ", databases.Select(a => a.File))}). Choose one with --artifact.");
        }

        var servers = selected.Where(a => TraitsOf(a).ServerKind is not null)
            .Select(a => (Kind: TraitsOf(a).ServerKind, a.SourceName))
            .Distinct()
            .ToList();
        if (request.ToContainer is not null && servers.Count > 1)
        {
            throw new RestoreRefusedException(
                $"--to-container restores the dumps of one database server, but the selection comes from {servers.Count} ({string.Join(", ", servers.Select(s => $"{s.Kind} {s.SourceName}"))}). Choose with --artifact.");
        }

        if (request.ToContainer is not null && servers.Count == 0)
        {
            throw new RestoreRefusedException("--to-container applies to database dumps, and none is selected.");
        }
    }

    private static RestoreTraits TraitsOf(ManifestArtifact artifact) => SourceKinds.Of(artifact.SourceKind)?.TraitsOf(artifact) ?? RestoreTraits.None;
}

using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore;

/// <summary>
/// Restores a backup set in two phases. <see cref="PlanAsync"/> writes nothing: it reads every selected
/// artifact in full (SHA-256 against the manifest and SHA256SUMS, compression, archive completeness and entry
/// names) and looks at every target, refusing with every reason at once. <see cref="ExecuteAsync"/> then
/// restores, re-hashing each artifact as it streams so the bytes restored are the bytes checked.
/// </summary>
internal sealed class RestoreRunner
{
    /// <summary>What sources append to an artifact's name before the compression suffix.</summary>
    private static readonly string[] FormatSuffixes = [".tar", ".dump", ".sql", ".sqlite", ".db"];

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
        var selected = Select(manifest, request, notes);
        ValidateOptions(selected, request);

        // Targets first: looking costs little, and a refusal there spares reading gigabytes for nothing.
        var refusals = new List<string>();
        var plans = new List<Func<ArtifactScan, IRestoreStep>>();
        var postgres = new Dictionary<string, PostgresTarget>(StringComparer.Ordinal);
        var mysql = new Dictionary<string, MysqlTarget>(StringComparer.Ordinal);
        foreach (var artifact in selected)
        {
            try
            {
                plans.Add(artifact.Format switch
                {
                    ManifestArtifactFormat.Tar => await PlanVolumeAsync(artifact, request, refusals, cancellationToken),
                    _ when artifact.SourceKind == ManifestSourceKind.Globals => await PlanGlobalsAsync(set, artifact, request, postgres, cancellationToken),
                    _ when artifact.SourceKind == ManifestSourceKind.Postgres => await PlanPostgresAsync(set, artifact, request, postgres, refusals, cancellationToken),
                    _ when artifact.SourceKind == ManifestSourceKind.Mysql => await PlanMysqlAsync(set, artifact, request, mysql, refusals, cancellationToken),
                    _ => throw new RestoreRefusedException($"{artifact.File} is a {artifact.SourceKind.ToString().ToLowerInvariant()} artifact, which this version restores only by hand (see docs/restore.md)."),
                });
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

        var checksums = await ChecksumsFile.ReadAsync(set.Store, set.Set, cancellationToken)
            ?? throw new RestoreRefusedException($"Backup set {set.Name} has no {BackupSetLayout.ChecksumsFileName}, so its artifacts cannot be checked. Nothing was restored.");
        var steps = new List<IRestoreStep>();
        var problems = new List<string>(checksums.Problems);
        for (var i = 0; i < selected.Count; i++)
        {
            progress?.Report($"checking {selected[i].File} ({Bytes.Format(selected[i].StoredBytes)})");
            var scan = await ArtifactScanner.ScanAsync(set.Store, set.Set, selected[i], checksums, check: null, keepEntries: false, cancellationToken);
            problems.AddRange(scan.Problems);
            steps.Add(plans[i](scan));
        }

        if (problems.Count > 0)
        {
            throw new RestoreRefusedException(
                "The backup set failed its checks; nothing was restored:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)));
        }

        return new RestorePlan { Set = set, Steps = steps, Notes = notes };
    }

    /// <summary>Runs the plan's steps in order, stopping at the first failure (which names what was and was not restored).</summary>
    public async Task<IReadOnlyList<string>> ExecuteAsync(RestorePlan plan, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var environment = new RestoreEnvironment { Set = plan.Set, Context = _context, StateDir = _stateDir, Log = _log };
        var done = new List<string>();
        for (var i = 0; i < plan.Steps.Count; i++)
        {
            var step = plan.Steps[i];
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
            catch (Exception ex) when (ex is RestoreFailedException or ArtifactFailedException or DockerApiException or DockerUnavailableException
                or UnsafeEntryException or IOException or InvalidDataException or TimeoutException or Runs.ContainerRestartException
                or OperationCanceledException)
            {
                throw new RestoreFailedException(Account($"Restoring {step.Scan.File} failed: {ex.Message}", done, plan.Steps.Skip(i + 1)), ex);
            }
        }

        return done;
    }

    private static string Account(string what, List<string> done, IEnumerable<IRestoreStep> rest)
    {
        var left = rest.Select(s => s.Scan.File).ToList();
        return what
            + (done.Count > 0 ? $"{Environment.NewLine}Restored before that: {string.Join("; ", done)}" : string.Empty)
            + (left.Count > 0 ? $"{Environment.NewLine}Not restored: {string.Join(", ", left)}" : string.Empty);
    }

    private static List<ManifestArtifact> Select(BackupManifest manifest, RestoreRequest request, List<string> notes)
    {
        var usable = manifest.Artifacts.Where(a => a.Status == ManifestStatus.Succeeded && a.File is not null).ToList();
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
                var matches = manifest.Artifacts.Where(a => Matches(a, name)).ToList();
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
                    $"The set has no artifact {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Its artifacts: {string.Join(", ", manifest.Artifacts.Select(a => a.File ?? a.SourceName))}. "
                    + "Name one by file name, source name or database name.");
            }

            // Restore order is the set's, whatever the order of --artifact: roles before the databases that use them.
            selected = [.. manifest.Artifacts.Where(selected.Contains)];
        }

        foreach (var failed in manifest.Artifacts.Where(a => !usable.Contains(a) && request.Artifacts.Count == 0))
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
            var kind = Compressors.KindFromFileName(file);
            var bare = kind == CompressionKind.None ? file : file[..file.LastIndexOf('.')];
            var stem = FormatSuffixes.FirstOrDefault(s => bare.EndsWith(s, StringComparison.Ordinal)) is { } suffix ? bare[..^suffix.Length] : bare;
            if (string.Equals(file, name, StringComparison.Ordinal) || string.Equals(bare, name, StringComparison.Ordinal) || string.Equals(stem, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return string.Equals(artifact.SourceName, name, StringComparison.Ordinal)
            || string.Equals(artifact.Database, name, StringComparison.Ordinal);
    }

    private static void ValidateOptions(IReadOnlyList<ManifestArtifact> selected, RestoreRequest request)
    {
        var archives = selected.Where(a => a.Format == ManifestArtifactFormat.Tar).ToList();
        if (request.ToVolume is not null && archives.Count != 1)
        {
            throw new RestoreRefusedException(
                $"--to-volume restores one volume or path artifact, but {archives.Count} are selected ({string.Join(", ", archives.Select(a => a.File))}). Choose one with --artifact.");
        }

        var databases = selected.Where(DatabaseRestoreStep.IsDatabaseDump).ToList();
        if (request.Database is not null && databases.Count != 1)
        {
            throw new RestoreRefusedException(
                $"--database restores one database dump, but {databases.Count} are selected ({string.Join(", ", databases.Select(a => a.File))}). Choose one with --artifact.");
        }

        var servers = selected.Where(a => a.SourceKind is ManifestSourceKind.Postgres or ManifestSourceKind.Globals or ManifestSourceKind.Mysql)
            .Select(a => (Kind: a.SourceKind == ManifestSourceKind.Mysql ? "mysql" : "postgres", a.SourceName))
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

    private async Task<Func<ArtifactScan, IRestoreStep>> PlanVolumeAsync(
        ManifestArtifact artifact, RestoreRequest request, List<string> refusals, CancellationToken cancellationToken)
    {
        MountSpec target;
        string targetName;
        var exists = true;
        if (request.ToVolume is not null || artifact.SourceKind == ManifestSourceKind.Volume)
        {
            var volume = request.ToVolume ?? artifact.SourceName;
            target = VolumeRestorer.Volume(volume);
            targetName = $"volume {volume}";
            exists = await Docker.Volumes.TryInspectAsync(volume, cancellationToken) is not null;
        }
        else
        {
            target = VolumeRestorer.HostPath(artifact.SourceName);
            targetName = $"host directory {artifact.SourceName}";
        }

        var content = exists ? await new VolumeRestorer(_context).ListTopAsync(target, targetName, cancellationToken) : [];
        var users = target.Type == "volume" && exists
            ? (await Docker.Containers.ListUsingVolumeAsync(target.Source!, cancellationToken)).Where(c => c.State == "running").ToList()
            : [];
        if (users.FirstOrDefault(IsThisProcess) is { } self)
        {
            refusals.Add(
                $"{targetName} is used by the agent's own container {self.DisplayName}, which cannot be stopped for the restore while it runs it. "
                + "Restore it with `docker run` of the agent image (without that volume), or by hand (docs/restore.md).");
        }
        else if (!request.Force && content.Count > 0)
        {
            refusals.Add(
                $"{targetName} is not empty ({string.Join(", ", content)}…). Restore into a new volume with --to-volume NAME, or pass --force to replace its content"
                + (users.Count > 0 ? $" ({string.Join(", ", users.Select(u => u.DisplayName))} will be stopped during the restore and started again)." : "."));
        }
        else if (!request.Force && users.Count > 0)
        {
            refusals.Add(
                $"{targetName} is in use by running container(s) {string.Join(", ", users.Select(u => u.DisplayName))}. Stop them first, or pass --force to have them stopped during the restore and started again.");
        }

        return scan => new VolumeRestoreStep { Scan = scan, Target = target, TargetName = targetName, Exists = exists, Content = content, Users = users };
    }

    private async Task<Func<ArtifactScan, IRestoreStep>> PlanGlobalsAsync(
        StoredSet set, ManifestArtifact artifact, RestoreRequest request, Dictionary<string, PostgresTarget> targets, CancellationToken cancellationToken)
    {
        var target = await PostgresTargetAsync(set, artifact, request, targets, cancellationToken);
        var roles = await target.RolesAsync(cancellationToken);
        return scan => new PostgresGlobalsStep { Scan = scan, Target = target, ExistingRoles = roles };
    }

    private async Task<Func<ArtifactScan, IRestoreStep>> PlanPostgresAsync(
        StoredSet set, ManifestArtifact artifact, RestoreRequest request, Dictionary<string, PostgresTarget> targets, List<string> refusals, CancellationToken cancellationToken)
    {
        var target = await PostgresTargetAsync(set, artifact, request, targets, cancellationToken);
        var database = request.Database ?? artifact.Database!;
        var state = await target.DatabaseStateAsync(database, cancellationToken);
        RefuseIfOccupied(state, database, $"postgres container {target.Name}", request, refusals);
        if (request.Force && state is { Exists: true, IsEmpty: false } && artifact.Format == ManifestArtifactFormat.PgPlain)
        {
            refusals.Add(
                $"Database '{database}' in postgres container {target.Name} holds objects, and {artifact.File} is a plain SQL dump, which cannot replace existing objects. "
                + "Restore into a new database with --database NAME, or drop the database first.");
        }

        return scan => new DatabaseRestoreStep { Scan = scan, Postgres = target, Database = database, State = state };
    }

    private async Task<Func<ArtifactScan, IRestoreStep>> PlanMysqlAsync(
        StoredSet set, ManifestArtifact artifact, RestoreRequest request, Dictionary<string, MysqlTarget> targets, List<string> refusals, CancellationToken cancellationToken)
    {
        var (container, original) = await ResolveAsync(artifact, request, cancellationToken);
        if (!targets.TryGetValue(container.Id, out var target))
        {
            var (user, password) = original ? SourceCredentials.For(_policy, set.Set.Job, artifact) : (null, null);
            target = await MysqlTarget.ConnectAsync(Docker, container, user, password, _log, cancellationToken);
            targets[container.Id] = target;
        }

        var database = request.Database ?? artifact.Database!;
        var state = await target.DatabaseStateAsync(database, cancellationToken);
        RefuseIfOccupied(state, database, $"mysql container {target.Name}", request, refusals);
        return scan => new DatabaseRestoreStep { Scan = scan, Mysql = target, Database = database, State = state };
    }

    /// <summary>Whether the container is the one this process runs in (its hostname is the container id's prefix).</summary>
    private static bool IsThisProcess(ContainerSummary container) =>
        File.Exists("/.dockerenv")
        && Environment.GetEnvironmentVariable("HOSTNAME") is { Length: >= 12 } hostname
        && container.Id.StartsWith(hostname, StringComparison.Ordinal);

    private static void RefuseIfOccupied(DatabaseState state, string database, string server, RestoreRequest request, List<string> refusals)
    {
        if (!request.Force && state is { Exists: true, IsEmpty: false })
        {
            refusals.Add(
                $"Database '{database}' in {server} is not empty ({state.Objects} object(s)). Restore into a new database with --database NAME, "
                + "or pass --force to drop and recreate the backup's objects in it.");
        }
    }

    private async Task<PostgresTarget> PostgresTargetAsync(
        StoredSet set, ManifestArtifact artifact, RestoreRequest request, Dictionary<string, PostgresTarget> targets, CancellationToken cancellationToken)
    {
        var (container, original) = await ResolveAsync(artifact, request, cancellationToken);
        if (!targets.TryGetValue(container.Id, out var target))
        {
            var (user, password) = original ? SourceCredentials.For(_policy, set.Set.Job, artifact) : (null, null);
            target = await PostgresTarget.ConnectAsync(Docker, container, user, password, _log, cancellationToken);
            targets[container.Id] = target;
        }

        return target;
    }

    /// <summary>The container to restore into: --to-container, else the one the dump ran in, else the source as backup.yml names it.</summary>
    private async Task<(ContainerInspect Container, bool Original)> ResolveAsync(ManifestArtifact artifact, RestoreRequest request, CancellationToken cancellationToken)
    {
        if (request.ToContainer is not null)
        {
            var chosen = await Docker.Containers.TryInspectAsync(request.ToContainer, cancellationToken)
                ?? throw new RestoreRefusedException($"No container is named '{request.ToContainer}'. Check the name with `docker ps`.");
            return (chosen, false);
        }

        if (artifact.Container is not null && await Docker.Containers.TryInspectAsync(artifact.Container, cancellationToken) is { } byName)
        {
            return (byName, true);
        }

        return (await _context.Containers.ResolveAsync(artifact.SourceName, cancellationToken), true);
    }
}

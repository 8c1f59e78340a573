using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Sources;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Storage;
using VolumeAgent.Restore.Drill;

namespace VolumeAgent.Restore.Verification;

/// <summary>
/// Checks a backup set where it is stored and records the result in its manifest. A verify reads every artifact
/// in full: SHA-256 against SHA256SUMS and the manifest, sizes, the compression to a clean end, and the content by
/// the check of the kind that made it (<see cref="IArtifactVerifier"/>: archives complete with the manifest's tree
/// digest, dumps with their header or trailer, and what a kind checks in a throwaway container when an engine is
/// there). A drill does all that, then restores the set into throwaway targets and compares (see
/// <see cref="DrillRunner"/>). The daemon's scheduled checks call <see cref="RunAsync"/>.
/// </summary>
internal sealed class VerificationRunner
{
    private const int MaxDetailsLength = 4000;
    private readonly IDockerEngine? _docker;
    private readonly Docker.Engines.EngineRegistry? _engines;
    private readonly string _helperImage;
    private readonly string _instanceId;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <param name="docker">The engine; null verifies without one (no pg_restore --list, no drill).</param>
    /// <param name="helperImage">Image of the helpers that write and read scratch volumes (backup.yml's helper_image).</param>
    /// <param name="instanceId">The agent process's instance id, on the labels of everything a drill creates.</param>
    /// <param name="engines">Every engine, so a drill runs where each artifact was backed up; null: <paramref name="docker"/> only.</param>
    public VerificationRunner(IDockerEngine? docker, string helperImage, string instanceId, TimeProvider time, ILogger log, Docker.Engines.EngineRegistry? engines = null)
    {
        ArgumentNullException.ThrowIfNull(helperImage);
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        _docker = docker;
        _engines = engines;
        _helperImage = helperImage;
        _instanceId = instanceId;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// Verifies (and with <paramref name="drill"/> drills) the set, then writes the result to its manifest's
    /// <c>verification</c> unless <paramref name="record"/> is false. Failures of the set are in the result, never
    /// thrown; cancellation is thrown, and then nothing is recorded. Whatever a drill created is removed.
    /// </summary>
    public async Task<VerificationResult> RunAsync(StoredSet set, bool drill, CancellationToken cancellationToken, bool record = true)
    {
        ArgumentNullException.ThrowIfNull(set);
        var kind = drill ? ManifestVerificationKind.Drill : ManifestVerificationKind.Verify;
        var log = _log.ForContext("Job", set.Set.Job);
        var manifest = set.Set.Manifest;
        if (manifest is null || set.Set.State != BackupSetState.Complete)
        {
            return Result(set, kind, [], [$"Backup set {set.Name} is {set.Set.State.ToString().ToLowerInvariant()}: {set.Set.Problem}"]);
        }

        var problems = new List<string>();
        var outcomes = new List<ArtifactOutcome>();
        var checksums = await ChecksumsFile.ReadAsync(set.Store, set.Set, cancellationToken);
        if (checksums is null)
        {
            problems.Add($"The set has no {BackupSetLayout.ChecksumsFileName}.");
            checksums = ChecksumsFile.Parse(string.Empty);
        }

        problems.AddRange(checksums.Problems);
        if (set.Store is SetStore { Objects: IRepositoryCheck repository } && await repository.CheckRepositoryAsync(cancellationToken) is { } broken)
        {
            problems.Add(broken);
        }

        var files = manifest.Artifacts.Where(a => a.File is not null).Select(a => a.File!).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(checksums.FileNames.Where(f => !files.Contains(f)).Select(f => $"{BackupSetLayout.ChecksumsFileName} lists {f}, which the manifest does not."));

        var context = _docker is null ? null : NewContext(set);
        var scans = new List<ArtifactScan>();
        var checks = new Dictionary<(ISourceKind, string), IArtifactCheckSession?>();
        try
        {
            foreach (var artifact in manifest.Artifacts)
            {
                if (!artifact.IsHeldBy(set.StorageName, manifest.Artifacts))
                {
                    var name = artifact.File ?? artifact.SourceName;
                    outcomes.Add(new ArtifactOutcome(name, true, $"{name}: not in this storage's copy of the set ({(artifact.Snapshot is { } other ? $"a snapshot in storage '{other.Storage}'" : "the file-level snapshot here replaces it")})", Skipped: true));
                    continue;
                }

                if (artifact.Snapshot is not null && artifact.Status == ManifestStatus.Succeeded)
                {
                    var tree = await FileTreeScan.CheckAsync(set, artifact, cancellationToken);
                    scans.Add(tree.Scan);
                    outcomes.Add(tree.Outcome);
                    continue;
                }

                if (artifact.File is null || artifact.Status != ManifestStatus.Succeeded)
                {
                    outcomes.Add(new ArtifactOutcome(artifact.File ?? artifact.SourceName, true, $"{artifact.File ?? artifact.SourceName}: not checked; it failed when the backup ran ({artifact.Error})", Skipped: true));
                    continue;
                }

                var sourceKind = SourceKinds.Of(artifact.SourceKind);
                var check = (Check: (IDumpCheck?)null, Note: string.Empty);
                // An encrypted artifact without a key gets its checksum checked, not its content.
                if (sourceKind is not null && (artifact.Encryption is null || set.Keys is not null))
                {
                    // A kind's engine-side checks run on the engine the artifact was read on (its image is there).
                    var engine = artifact.Engine ?? Docker.Engines.EngineRegistry.DefaultName;
                    if (!checks.TryGetValue((sourceKind, engine), out var session))
                    {
                        checks[(sourceKind, engine)] = session = sourceKind.Verifier.StartChecks(On(context, engine), log);
                    }

                    if (session is not null)
                    {
                        check = await session.CheckForAsync(artifact, cancellationToken);
                    }
                }

                var scan = await ArtifactScanner.ScanAsync(set.Store, set.Set, artifact, checksums, check.Check, keepEntries: drill, set.Keys, cancellationToken);
                scans.Add(scan);
                outcomes.Add(scan.Sound
                    ? new ArtifactOutcome(scan.File, true, $"{scan.File}: {scan.ContentNotChecked ?? sourceKind!.Verifier.Describe(scan) + check.Note}")
                    : new ArtifactOutcome(scan.File, false, string.Join(" ", scan.Problems)));
            }
        }
        finally
        {
            foreach (var session in checks.Values.OfType<IArtifactCheckSession>())
            {
                await session.DisposeAsync();
            }
        }

        if (drill)
        {
            if (context is null)
            {
                problems.Add("The drill needs the Docker engine, which did not answer.");
            }
            else if (scans.FirstOrDefault(s => s.ContentNotChecked is not null) is { } encrypted)
            {
                problems.Add($"The drill was not run: {Crypto.ArtifactDecryption.NeedsKeys(encrypted.File)}.");
            }
            else if (problems.Count > 0 || outcomes.Any(o => !o.Succeeded))
            {
                problems.Add("The drill was not run: the set failed its checks.");
            }
            else
            {
                outcomes.AddRange(await new DrillRunner(context, log).RunAsync(set, scans, cancellationToken));
            }
        }

        var result = Result(set, kind, outcomes, problems);
        return record ? await RecordAsync(set, manifest, result, log, cancellationToken) : result;
    }

    /// <summary>The context on the artifact's engine; the default one's when the agent does not know that engine (its checks then say what they could not run).</summary>
    private SourceContext? On(SourceContext? context, string engine) =>
        context is null || _engines is null || !_engines.Has(engine) ? context : context.On(engine);

    private SourceContext NewContext(StoredSet set) => new()
    {
        Docker = _docker!,
        Engines = _engines,
        HelperImage = _helperImage,
        Job = set.Set.Job,
        RunId = RunId.New().ToString(),
        InstanceId = _instanceId,
        Containers = new ContainerResolver(_docker!, null),
        Log = _log.ForContext("Job", set.Set.Job),
    };

    private VerificationResult Result(StoredSet set, ManifestVerificationKind kind, List<ArtifactOutcome> outcomes, List<string> problems)
    {
        var failed = outcomes.Where(o => !o.Succeeded).ToList();
        var succeeded = problems.Count == 0 && failed.Count == 0;
        var checkedFiles = outcomes.Where(o => !o.Skipped).Select(o => o.File).Distinct(StringComparer.Ordinal).Count();
        var headline = succeeded
            ? kind == ManifestVerificationKind.Drill
                ? $"{checkedFiles} artifact(s) checked and restored into throwaway targets; every restore matches the backup"
                : $"{checkedFiles} artifact(s) match SHA256SUMS and the manifest and read back whole"
            : $"{failed.Select(o => o.File).Distinct(StringComparer.Ordinal).Count()} of {checkedFiles} artifact(s) failed";
        var details = string.Join("; ", [headline, .. problems, .. (succeeded ? outcomes : failed).Select(o => o.Detail)]);
        if (details.Length > MaxDetailsLength)
        {
            details = details[..MaxDetailsLength] + "…";
        }

        return new VerificationResult
        {
            Storage = set.StorageName,
            SetName = set.Name,
            Kind = kind,
            Status = succeeded ? ManifestStatus.Succeeded : ManifestStatus.Failed,
            VerifiedAt = _time.GetUtcNow(),
            Artifacts = outcomes,
            Problems = problems,
            Details = details,
        };
    }

    private static async Task<VerificationResult> RecordAsync(
        StoredSet set, BackupManifest manifest, VerificationResult result, ILogger log, CancellationToken cancellationToken)
    {
        var verification = new ManifestVerification { VerifiedAt = result.VerifiedAt, Kind = result.Kind, Status = result.Status, Details = result.Details };
        try
        {
            await set.Store.UpdateManifestAsync(set.Set, manifest with { Verification = verification }, cancellationToken);
            return result;
        }
        catch (Exception ex) when (ex is StorageException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            log.ForEvent(LogEvents.VerificationNotRecorded).Warning("The result of checking {Set} could not be written to its manifest: {Error}", set.Name, ex.Message);
            return result with { RecordError = ex.Message };
        }
    }
}

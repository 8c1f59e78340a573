using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Manifest;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Sources;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Restore.Drill;

/// <summary>
/// Restores a checked set into throwaway targets and compares the result with the backup, each artifact by the drill
/// of the kind that made it (<see cref="ISourceDrill"/>: volumes into scratch volumes, databases into a scratch server
/// from the backed-up container's image, ...). Everything a drill creates carries the agent's labels and is removed
/// when it ends, however it ends. Artifacts of a kind without a drill are checked by verify only. Each artifact is
/// drilled on the engine its manifest entry records (the image of a backed-up database is there).
/// </summary>
internal sealed class DrillRunner
{
    private readonly SourceContext _context;
    private readonly ILogger _log;

    public DrillRunner(SourceContext context, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(log);
        _context = context;
        _log = log;
    }

    /// <summary>One outcome per scanned artifact; every scan must be sound (a drill of a damaged set proves nothing).</summary>
    public async Task<IReadOnlyList<ArtifactOutcome>> RunAsync(StoredSet set, IReadOnlyList<ArtifactScan> scans, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(scans);
        var outcomes = new Dictionary<ArtifactScan, ArtifactOutcome>();
        foreach (var onEngine in scans.GroupBy(s => s.Artifact.Engine ?? EngineRegistry.DefaultName, StringComparer.Ordinal))
        {
            SourceContext context;
            try
            {
                context = _context.On(onEngine.Key);
            }
            catch (EngineNotDefinedException ex)
            {
                foreach (var scan in onEngine)
                {
                    outcomes[scan] = new ArtifactOutcome(scan.File, false, $"{scan.File}: not drilled: it was backed up on engine '{onEngine.Key}'. {ex.Message}");
                }

                continue;
            }

            var drill = new DrillContext
            {
                Context = context,
                Environment = new RestoreEnvironment { Set = set, Context = context, StateDir = string.Empty, Log = _log },
                Log = _log,
            };
            foreach (var kind in SourceKinds.All.Where(k => k.Drill is not null))
            {
                var own = onEngine.Where(s => SourceKinds.Of(s.Artifact.SourceKind) == kind).ToList();
                if (own.Count == 0)
                {
                    continue;
                }

                foreach (var (scan, outcome) in await kind.Drill!.RunAsync(drill, own, cancellationToken))
                {
                    outcomes[scan] = outcome;
                }
            }
        }

        return scans
            .Select(scan => outcomes.GetValueOrDefault(scan)
                ?? new ArtifactOutcome(scan.File, true, $"{scan.File}: not drilled; {scan.Artifact.SourceKind} artifacts are checked by verify only", Skipped: true))
            .ToList();
    }
}

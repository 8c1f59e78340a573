using VolumeAgent.Crypto;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// Where one run's artifacts go: a set writer per storage of the job (filled as the sets begin), each storage's label
/// for messages (<c>storage 'local' (/backups)</c>), and the run's <see cref="RunActivity"/>.
/// </summary>
internal sealed class ArtifactTargets(List<IBackupSetWriter> writers, IReadOnlyList<string> labels, RunActivity activity)
{
    public List<IBackupSetWriter> Writers { get; } = writers;

    public IReadOnlyList<string> Labels { get; } = labels;

    public RunActivity Activity { get; } = activity;

    /// <summary>The job's encryption of every artifact; null stores them as compression leaves them.</summary>
    public ArtifactEncryption? Encryption { get; init; }
}

/// <summary>A source of the job with the backup.yml entry it came from (its limits).</summary>
internal sealed record PlannedSource(SourceOptions Options, IBackupSource Source);

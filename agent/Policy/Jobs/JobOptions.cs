using VolumeAgent.Crypto;
using VolumeAgent.Pipeline;
using VolumeAgent.Policy.Hooks;
using VolumeAgent.Scheduling;

namespace VolumeAgent.Policy.Jobs;

/// <summary>One entry under <c>jobs</c>: what to back up, when, where to, and how long to keep it.</summary>
internal sealed record JobOptions
{
    /// <summary>The key under <c>jobs</c>; also the job's directory in every storage.</summary>
    public required string Name { get; init; }

    /// <summary>When the job runs, read in the policy's time zone; null means only on demand (run-now).</summary>
    public CronExpression? Schedule { get; init; }

    /// <summary>Upper bound of a random delay added to each scheduled start.</summary>
    public TimeSpan? Jitter { get; init; }

    /// <summary>Names of entries in <see cref="BackupPolicy.Storage"/> each backup set is written to.</summary>
    public required IReadOnlyList<string> StorageNames { get; init; }

    public CompressionKind Compression { get; init; } = CompressionKind.Gzip;

    /// <summary>The compressor's level; 0 when <see cref="Compression"/> is <see cref="CompressionKind.None"/>.</summary>
    public int CompressionLevel { get; init; } = PolicyDefaults.GzipLevel;

    /// <summary>Null keeps every backup set.</summary>
    public RetentionOptions? Retention { get; init; }

    /// <summary>Containers (or compose services), each on its engine, stopped while the sources are archived and started again afterwards.</summary>
    public IReadOnlyList<ContainerToStop> StopContainers { get; init; } = [];

    /// <summary>
    /// The job's <c>stall_timeout</c>, else the root's: the default of its sources, and how long <c>health</c> lets a
    /// run of the job go without progress before it reports the run stalled.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = PolicyDefaults.StallTimeout;

    /// <summary>After each run, copy to each of the job's storages the sets of the job it lacks (<c>volume-agent sync</c>).</summary>
    public bool SyncAfterRun { get; init; }

    public required IReadOnlyList<SourceOptions> Sources { get; init; }

    public JobHooks Hooks { get; init; } = JobHooks.None;

    public VerifyOptions? Verify { get; init; }

    /// <summary>The <c>notify</c> targets told of this job's runs; null: every target under the root <c>notify</c>.</summary>
    public IReadOnlyList<string>? Notify { get; init; }

    /// <summary>
    /// The job's <c>max_age</c>: the daemon sends a <c>missed</c> notification once when no run of the job has
    /// succeeded for this long; null: no such check.
    /// </summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Null stores artifacts as they come out of compression; else each is an age file (Crypto/).</summary>
    public EncryptionOptions? Encryption { get; init; }
}

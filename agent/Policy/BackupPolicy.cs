using VolumeAgent.Policy.Jobs;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Policy;

/// <summary>A loaded, fully validated backup.yml. Build it with <see cref="PolicyLoader"/>.</summary>
internal sealed record BackupPolicy
{
    /// <summary>The zone cron schedules and retention calendars are read in.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Image of the throwaway containers that read volumes and host paths.</summary>
    public string HelperImage { get; init; } = PolicyDefaults.HelperImage;

    /// <summary>Directory for the agent's own state (run records, stop/restart journal).</summary>
    public string StateDir { get; init; } = PolicyDefaults.StateDir;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Compose project used to resolve service names in sources, hooks and stop_containers; null matches any project.</summary>
    public string? Project { get; init; }

    /// <summary>The root <c>stall_timeout</c>: the default of every job that sets none.</summary>
    public TimeSpan StallTimeout { get; init; } = PolicyDefaults.StallTimeout;

    /// <summary>The daemon's HTTP endpoint (metrics, status page, API); null: nothing listens.</summary>
    public HttpOptions? Http { get; init; }

    /// <summary>The root <c>engines</c>, in file order; the default engine (DOCKER_HOST's) is not among them.</summary>
    public IReadOnlyList<Docker.Engines.EngineDefinition> Engines { get; init; } = [];

    public required IReadOnlyDictionary<string, StorageOptions> Storage { get; init; }

    /// <summary>The jobs in file order.</summary>
    public required IReadOnlyList<JobOptions> Jobs { get; init; }

    /// <summary>The root <c>notify</c> targets by name; empty when none is configured.</summary>
    public IReadOnlyDictionary<string, NotifyTarget> Notify { get; init; } = new Dictionary<string, NotifyTarget>(StringComparer.Ordinal);

    /// <summary>The targets a job's notifications go to: those its <c>notify</c> list names, else every target.</summary>
    public IReadOnlyList<NotifyTarget> NotifyTargetsOf(JobOptions job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Notify is { } names ? names.Select(name => Notify[name]).ToList() : Notify.Values.ToList();
    }

    public JobOptions? FindJob(string name) => Jobs.FirstOrDefault(j => string.Equals(j.Name, name, StringComparison.Ordinal));

    /// <summary>The storages a job writes to, in the job's order.</summary>
    public IReadOnlyList<StorageOptions> StoragesOf(JobOptions job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.StorageNames.Select(name => Storage[name]).ToList();
    }

    /// <summary>A human summary of settings, storages, jobs and their sources, as printed by <c>volume-agent validate</c>.</summary>
    public string Describe() => PolicyDescriber.Describe(this);
}

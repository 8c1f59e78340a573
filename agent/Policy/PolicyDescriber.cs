using VolumeAgent.Pipeline;
using System.Globalization;
using System.Text;
using VolumeAgent.Storage;
using VolumeAgent.Policy.Jobs;

namespace VolumeAgent.Policy;

internal static class PolicyDescriber
{
    public static string Describe(BackupPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"time zone {policy.TimeZone.Id}, helper image {policy.HelperImage}, state in {policy.StateDir}, {Lower(policy.LogFormat)} logs");
        if (policy.Project is not null)
        {
            text.Append(", compose project ").Append(policy.Project);
        }

        text.AppendLine();
        if (policy.Http is { } http)
        {
            text.Append(CultureInfo.InvariantCulture, $"http: {http.Url} (daemon only), bearer token from {http.TokenFile}, /metrics {(http.MetricsPublic ? "public" : "needs the token")}").AppendLine();
        }

        if (policy.Engines.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"engines ({policy.Engines.Count} besides default, the engine of DOCKER_HOST):").AppendLine();
            foreach (var engine in policy.Engines)
            {
                text.Append("  ").Append(engine.Description).AppendLine();
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"storage ({policy.Storage.Count}):").AppendLine();
        var storageWidth = policy.Storage.Keys.Max(k => k.Length);
        foreach (var storage in policy.Storage.Values)
        {
            text.Append("  ").Append(storage.Name.PadRight(storageWidth)).Append("  ").Append(Describe(storage)).AppendLine();
        }

        text.Append(CultureInfo.InvariantCulture, $"jobs ({policy.Jobs.Count}):").AppendLine();
        foreach (var job in policy.Jobs)
        {
            DescribeJob(text, job, policy.TimeZone);
        }

        return text.ToString();
    }

    private static void DescribeJob(StringBuilder text, JobOptions job, TimeZoneInfo zone)
    {
        text.Append("  ").Append(job.Name).AppendLine();
        var schedule = job.Schedule is null
            ? "on demand only (run-now)"
            : $"{job.Schedule.Expression} ({zone.Id})" + (job.Jitter is { } jitter && jitter > TimeSpan.Zero ? $", jitter up to {Duration.Format(jitter)}" : string.Empty);
        Line(text, "schedule", schedule);
        Line(text, "storage", string.Join(", ", job.StorageNames));
        Line(text, "compression", job.Compression == CompressionKind.None ? "none" : $"{Lower(job.Compression)} level {job.CompressionLevel.ToString(CultureInfo.InvariantCulture)}");
        Line(text, "retention", job.Retention is null ? "keep every set" : Describe(job.Retention));
        if (job.StopContainers.Count > 0)
        {
            Line(text, "stops", string.Join(", ", job.StopContainers));
        }

        Line(text, "stall", $"{Duration.Format(job.StallTimeout)} without progress fails an artifact");
        if (job.Hooks.Before.Count + job.Hooks.After.Count > 0)
        {
            Line(text, "hooks", $"{job.Hooks.Before.Count} before, {job.Hooks.After.Count} after");
        }

        if (job.Verify is { } verify)
        {
            Line(text, "verify", (verify.Schedule?.Expression ?? "on demand") + (verify.Drill ? ", with restore drill" : string.Empty));
        }

        text.Append(CultureInfo.InvariantCulture, $"    sources ({job.Sources.Count}):").AppendLine();
        var nameWidth = job.Sources.Count == 0 ? 0 : job.Sources.Max(s => s.ArtifactName.Length);
        foreach (var source in job.Sources)
        {
            text.Append("      ").Append(source.ArtifactName.PadRight(nameWidth)).Append(" <- ").Append(source.Describe()).Append(OnEngine(source)).Append(Limits(source, job)).AppendLine();
        }
    }

    private static string OnEngine(SourceOptions source) =>
        source.Engine == Docker.Engines.EngineRegistry.DefaultName ? string.Empty : $" on engine {source.Engine}";

    private static string Limits(SourceOptions source, JobOptions job)
    {
        var limits = new List<string>();
        if (source.Timeout is { } timeout)
        {
            limits.Add("timeout " + Duration.Format(timeout));
        }

        if (source.StallTimeout != job.StallTimeout)
        {
            limits.Add("stall " + Duration.Format(source.StallTimeout));
        }

        return limits.Count == 0 ? string.Empty : "; " + string.Join(", ", limits);
    }

    private static void Line(StringBuilder text, string label, string value) =>
        text.Append("    ").Append((label + ":").PadRight(13)).Append(value).AppendLine();

    private static string Describe(StorageOptions storage) => StorageRegistry.For(storage).Describe(storage);

    private static string Describe(RetentionOptions retention)
    {
        var rules = new List<string>();
        Add(rules, "last", retention.KeepLast);
        Add(rules, "hourly", retention.KeepHourly);
        Add(rules, "daily", retention.KeepDaily);
        Add(rules, "weekly", retention.KeepWeekly);
        Add(rules, "monthly", retention.KeepMonthly);
        Add(rules, "yearly", retention.KeepYearly);
        if (retention.KeepWithin is { } within && within > TimeSpan.Zero)
        {
            rules.Add("all within " + Duration.Format(within));
        }

        return "keep " + string.Join(", ", rules);
    }

    private static void Add(List<string> rules, string label, int count)
    {
        if (count > 0)
        {
            rules.Add(label + " " + count.ToString(CultureInfo.InvariantCulture));
        }
    }

#pragma warning disable CA1308 // Enum names are shown as they are written in backup.yml, which is lower case.
    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();
#pragma warning restore CA1308
}

using VolumeAgent.Pipeline;
using VolumeAgent.Policy.Hooks;
using VolumeAgent.Crypto;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy.Jobs;

/// <summary>Reads the <c>jobs</c> map.</summary>
internal static class JobReader
{
    private static readonly (string Name, CompressionKind Value)[] Compressions =
        [("gzip", CompressionKind.Gzip), ("zstd", CompressionKind.Zstd), ("none", CompressionKind.None)];

    /// <param name="stallTimeout">The root's stall_timeout, the default of a job that sets none.</param>
    /// <param name="notifyNames">The targets under the root <c>notify</c>, which a job's <c>notify</c> list may name.</param>
    public static IReadOnlyList<JobOptions> ReadAll(
        NodeReader reader, MapNode root, IReadOnlyList<string>? storageNames, TimeSpan stallTimeout, IReadOnlyList<string>? notifyNames = null, IReadOnlyList<string>? engineNames = null)
    {
        var jobs = new List<JobOptions>();
        var map = reader.Map(root, "jobs", required: true, missingHint: "; define at least one job with its sources");
        if (map is null)
        {
            return jobs;
        }

        if (map.Entries.Count == 0)
        {
            reader.Report(map.Mark, map.Path, "define at least one job with its sources");
            return jobs;
        }

        foreach (var entry in map.Entries)
        {
            var path = map.PathOf(entry.Key);
            var nameIsValid = reader.CheckName(entry.Key, entry.KeyNode.Start, path, "job") is not null;
            if (NodeReader.IsNull(entry.Value))
            {
                reader.Report(entry.KeyNode.Start, path, "is empty; a job needs at least 'sources'");
                continue;
            }

            var jobMap = reader.AsMap(entry.Value, path, entry.KeyNode.Start);
            if (jobMap is not null && ReadOne(reader, entry.Key, jobMap, storageNames, stallTimeout, notifyNames ?? [], engineNames ?? []) is { } job && nameIsValid)
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    private static JobOptions? ReadOne(
        NodeReader reader, string name, MapNode map, IReadOnlyList<string>? storageNames, TimeSpan rootStallTimeout, IReadOnlyList<string> notifyNames, IReadOnlyList<string> engineNames)
    {
        reader.RejectUnknownKeys(map, PolicyKeys.Job);
        var problemsBefore = reader.Problems.Count;
        var schedule = reader.Cron(map, "schedule");
        var jitter = reader.Duration(map, "jitter", allowZero: true);
        var storage = ReadStorageNames(reader, map, storageNames);
        var syncAfterRun = reader.Boolean(map, "sync_after_run") ?? false;
        var compression = reader.Choice(map, "compression", Compressions);
        var level = ReadCompressionLevel(reader, map, compression ?? CompressionKind.Gzip, compressionKnown: compression is not null || !map.Has("compression"));
        var retention = ReadRetention(reader, map);
        var stop = StopContainersReader.Read(reader, map, engineNames);
        var stallTimeout = reader.Duration(map, "stall_timeout", allowZero: false) ?? rootStallTimeout;
        var verify = ReadVerify(reader, map);
        var encryption = EncryptionReader.Read(reader, map);
        var sources = SourceReader.ReadAll(reader, map, stallTimeout, engineNames);
        var hooks = HookReader.Read(reader, map);
        var notify = ReadNotify(reader, map, notifyNames);
        var maxAge = reader.Duration(map, "max_age", allowZero: false);
        if (reader.Problems.Count > problemsBefore)
        {
            return null;
        }

        return new JobOptions
        {
            Name = name,
            Schedule = schedule,
            Jitter = jitter,
            StorageNames = storage,
            SyncAfterRun = syncAfterRun,
            Compression = compression ?? CompressionKind.Gzip,
            CompressionLevel = level,
            Retention = retention,
            StopContainers = stop ?? [],
            StallTimeout = stallTimeout,
            Verify = verify,
            Encryption = encryption,
            Sources = sources,
            Hooks = hooks,
            Notify = notify,
            MaxAge = maxAge,
        };
    }

    private static IReadOnlyList<string> ReadStorageNames(NodeReader reader, MapNode map, IReadOnlyList<string>? declared)
    {
        if (!map.Has("storage"))
        {
            if (declared is { Count: 1 })
            {
                return declared;
            }

            if (declared is { Count: > 1 })
            {
                reader.ReportMissing(map, "storage", $" because more than one storage is defined; list the ones to use, e.g. [{string.Join(", ", declared)}]");
            }

            return [];
        }

        var names = reader.TextList(
            map,
            "storage",
            "[local]",
            name => declared is null || declared.Contains(name, StringComparer.Ordinal)
                ? null
                : $"storage '{name}' is not defined under 'storage' (defined: {string.Join(", ", declared)}){KeySuggestion.DidYouMean(name, declared)}",
            required: true);
        if (names is { Count: 0 })
        {
            reader.Report(NodeReader.ValueMark(map, "storage"), map.PathOf("storage"), "list at least one storage, e.g. [local]");
        }

        return names ?? [];
    }

    /// <summary>The job's <c>notify</c> list: names of root <c>notify</c> targets; an empty list silences the job.</summary>
    private static IReadOnlyList<string>? ReadNotify(NodeReader reader, MapNode map, IReadOnlyList<string> declared) =>
        !map.Has("notify")
            ? null
            : reader.TextList(
                map,
                "notify",
                "[ops-webhook]",
                name => declared.Contains(name, StringComparer.Ordinal)
                    ? null
                    : declared.Count == 0
                        ? $"notify target '{name}' is not defined; define it under the root 'notify' map, e.g. notify: {{ {name}: {{ type: webhook, url: https://... }} }}"
                        : $"notify target '{name}' is not defined under the root 'notify' (defined: {string.Join(", ", declared)}){KeySuggestion.DidYouMean(name, declared)}") ?? [];

    private static int ReadCompressionLevel(NodeReader reader, MapNode map, CompressionKind compression, bool compressionKnown)
    {
        if (!map.Has("compression_level"))
        {
            return PolicyDefaults.CompressionLevel(compression);
        }

        if (!compressionKnown)
        {
            // The compression itself is wrong and reported; a range check against a guess would only add noise.
            return reader.Integer(map, "compression_level", 0, int.MaxValue) ?? 0;
        }

        switch (compression)
        {
            case CompressionKind.None:
                reader.Report(NodeReader.ValueMark(map, "compression_level"), map.PathOf("compression_level"), "does not apply when compression is none; remove it");
                return 0;
            case CompressionKind.Zstd:
                return reader.Integer(map, "compression_level", 1, 19) ?? PolicyDefaults.ZstdLevel;
            default:
                return reader.Integer(map, "compression_level", 1, 9) ?? PolicyDefaults.GzipLevel;
        }
    }

    private static RetentionOptions? ReadRetention(NodeReader reader, MapNode job)
    {
        var map = reader.Map(job, "retention");
        if (map is null)
        {
            return null;
        }

        reader.RejectUnknownKeys(map, PolicyKeys.Retention);
        var problemsBefore = reader.Problems.Count;
        var retention = new RetentionOptions
        {
            KeepLast = reader.Integer(map, "keep_last", 0, int.MaxValue) ?? 0,
            KeepHourly = reader.Integer(map, "keep_hourly", 0, int.MaxValue) ?? 0,
            KeepDaily = reader.Integer(map, "keep_daily", 0, int.MaxValue) ?? 0,
            KeepWeekly = reader.Integer(map, "keep_weekly", 0, int.MaxValue) ?? 0,
            KeepMonthly = reader.Integer(map, "keep_monthly", 0, int.MaxValue) ?? 0,
            KeepYearly = reader.Integer(map, "keep_yearly", 0, int.MaxValue) ?? 0,
            KeepWithin = reader.Duration(map, "keep_within", allowZero: true),
        };

        // Rules that all keep nothing would prune everything but the newest set: almost certainly not meant.
        if (reader.Problems.Count == problemsBefore && !retention.HasAnyRule)
        {
            reader.Report(map.Mark, map.Path, "keeps nothing; set at least one keep_* rule above zero, or remove 'retention' to keep every set");
        }

        return retention;
    }

    private static VerifyOptions? ReadVerify(NodeReader reader, MapNode job)
    {
        var map = reader.Map(job, "verify");
        if (map is null)
        {
            return null;
        }

        reader.RejectUnknownKeys(map, PolicyKeys.Verify);
        return new VerifyOptions
        {
            Schedule = reader.Cron(map, "schedule"),
            Drill = reader.Boolean(map, "drill") ?? false,
        };
    }
}

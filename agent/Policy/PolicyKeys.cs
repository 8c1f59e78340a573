using VolumeAgent.Storage;

namespace VolumeAgent.Policy;

/// <summary>Every key backup.yml knows, by the mapping it belongs to. The readers reject anything else.</summary>
internal static class PolicyKeys
{
    public static readonly IReadOnlyList<string> Root = ["timezone", "helper_image", "state_dir", "log_format", "project", "stall_timeout", "http", Engines.EnginesReader.Key, "storage", Notify.NotifyReader.Key, "jobs"];

    public static readonly IReadOnlyList<string> Http = ["listen", "token_file", "metrics_public", "tls_certificate_file", "tls_key_file"];

    public static readonly IReadOnlyList<string> Job =
        ["schedule", "jitter", "storage", "sync_after_run", "compression", "compression_level", "retention", "stop_containers", "stall_timeout", "verify", "sources", "hooks", Crypto.EncryptionReader.Key, "notify", "max_age"];

    public static readonly IReadOnlyList<string> Retention =
        ["keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly", "keep_within"];

    public static readonly IReadOnlyList<string> Verify = ["schedule", "drill"];

    public static readonly IReadOnlyList<string> Hooks = ["before", "after"];

    public static readonly IReadOnlyList<string> Hook = ["container", "command", "timeout", "user"];

    /// <summary>The keys every source may have besides its kind key.</summary>
    public static readonly IReadOnlyList<string> SourceCommon = ["name", "stall_timeout", "timeout", "engine"];

    /// <summary>The keys of a <c>stop_containers</c> entry written as a map.</summary>
    public static readonly IReadOnlyList<string> StopContainer = ["container", "engine"];

    /// <summary>Source kind key (in the order documented) to the keys only that kind may have; each kind declares its own.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> SourceKinds =
        [.. Sources.SourceKinds.All.Select(kind => new KeyValuePair<string, IReadOnlyList<string>>(kind.Key, kind.OptionKeys))];

    /// <summary>Every distinct key of every mapping.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        .. Root
            .Concat(StorageRegistry.AllKeys).Concat(Job).Concat(Retention).Concat(Verify).Concat(Crypto.EncryptionReader.Keys).Concat(Hooks).Concat(Hook).Concat(Notify.NotifyReader.AllKeys).Concat(Http).Concat(Engines.EnginesReader.Keys).Concat(StopContainer)
            .Concat(SourceCommon).Concat(SourceKinds.Select(k => k.Key)).Concat(SourceKinds.SelectMany(k => k.Value))
            .Distinct(StringComparer.Ordinal),
    ];
}

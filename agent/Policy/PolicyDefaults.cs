using VolumeAgent.Pipeline;

namespace VolumeAgent.Policy;

/// <summary>The values backup.yml falls back to when a key is left out; docs/backup-yml.md lists the same.</summary>
internal static class PolicyDefaults
{
    public const string HelperImage = "alpine:3.20";
    public const string StateDir = "/var/lib/volume-agent";
    public const string S3Region = "us-east-1";
    public const int GzipLevel = 6;
    public const int ZstdLevel = 3;

    public static TimeSpan HookTimeout { get; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a source read or storage write may go without a byte before its artifact fails.</summary>
    public static TimeSpan StallTimeout { get; } = TimeSpan.FromMinutes(5);

    public static int CompressionLevel(CompressionKind compression) => compression switch
    {
        CompressionKind.Gzip => GzipLevel,
        CompressionKind.Zstd => ZstdLevel,
        _ => 0,
    };
}

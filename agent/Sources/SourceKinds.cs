using VolumeAgent.Policy;
using VolumeAgent.Sources.HostPath;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Redis;
using VolumeAgent.Sources.Sqlite;
using VolumeAgent.Sources.Volume;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources;

/// <summary>
/// The registry of source kinds, and the only place that lists them: one line per kind, in the order backup.yml's
/// reference documents them. Everything else finds a kind here, by its backup.yml key, by a source's options, or
/// by the manifest source kind of an artifact.
/// </summary>
internal static class SourceKinds
{
    public static IReadOnlyList<ISourceKind> All { get; } =
    [
        new VolumeKind(),
        new PathKind(),
        new PostgresKind(),
        new MysqlKind(),
        new SqliteKind(),
        new RedisKind(),
    ];

    private static readonly Dictionary<string, ISourceKind> ByKey = All.ToDictionary(k => k.Key, StringComparer.Ordinal);

    private static readonly Dictionary<ManifestSourceKind, ISourceKind> ByManifestKind =
        All.SelectMany(k => k.ManifestKinds.Select(m => (m, k))).ToDictionary(p => p.m, p => p.k);

    /// <summary>Every manifest format some kind writes, each once, in registry order.</summary>
    public static IReadOnlyList<ManifestArtifactFormat> Formats { get; } = [.. All.SelectMany(k => k.Formats).Distinct()];

    /// <summary>Every manifest source kind some kind writes, in registry order.</summary>
    public static IReadOnlyList<ManifestSourceKind> ManifestKinds { get; } = [.. All.SelectMany(k => k.ManifestKinds)];

    /// <summary>The kind a backup.yml key names, or null.</summary>
    public static ISourceKind? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>The kind that read these options.</summary>
    public static ISourceKind Of(SourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ByKey.TryGetValue(options.Kind, out var kind)
            ? kind
            : throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "No source kind is registered under this key.");
    }

    /// <summary>The kind that wrote an artifact of this manifest source kind, or null (a set written by a newer agent).</summary>
    public static ISourceKind? Of(ManifestSourceKind manifestKind) => ByManifestKind.GetValueOrDefault(manifestKind);
}

using System.Globalization;
using System.Text;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// How many keys each database of a Redis server holds, and how many of them have a time to live, as
/// <c>INFO keyspace</c> reports them (<c>db0:keys=10,expires=1,avg_ttl=0</c>). Databases without keys are absent.
/// </summary>
internal sealed class RedisKeyspace : IEquatable<RedisKeyspace>
{
    public static readonly RedisKeyspace Empty = new(new SortedDictionary<int, RedisDatabaseCount>());

    private const string DigestPrefix = "keyspace:";
    private readonly SortedDictionary<int, RedisDatabaseCount> _databases;

    private RedisKeyspace(SortedDictionary<int, RedisDatabaseCount> databases) => _databases = databases;

    public IReadOnlyDictionary<int, RedisDatabaseCount> Databases => _databases;

    public long Keys => _databases.Values.Sum(d => d.Keys);

    public bool IsEmpty => Keys == 0;

    /// <summary>Reads the reply of <c>INFO keyspace</c>; other lines (the section header) are skipped.</summary>
    /// <exception cref="FormatException">A <c>db</c> line is not in the form Redis writes.</exception>
    public static RedisKeyspace ParseInfo(string info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var databases = new SortedDictionary<int, RedisDatabaseCount>();
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("db", StringComparison.Ordinal))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 3 || !int.TryParse(line.AsSpan(2, colon - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var db))
            {
                throw new FormatException($"'{line}' is not a line of INFO keyspace.");
            }

            long? keys = null;
            long? expires = null;
            foreach (var field in line[(colon + 1)..].Split(','))
            {
                var (name, value) = field.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (field[..eq], field[(eq + 1)..]) : (field, string.Empty);
                if (name is "keys" or "expires")
                {
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
                    {
                        throw new FormatException($"'{line}' is not a line of INFO keyspace.");
                    }

                    if (name == "keys")
                    {
                        keys = count;
                    }
                    else
                    {
                        expires = count;
                    }
                }
            }

            if (keys is null)
            {
                throw new FormatException($"'{line}' is not a line of INFO keyspace: it has no keys= count.");
            }

            databases[db] = new RedisDatabaseCount(keys.Value, expires ?? 0);
        }

        return new RedisKeyspace(databases);
    }

    /// <summary>
    /// The counts as the manifest records them in an artifact's <c>tree_digest</c>: <c>keyspace:db0=10/1,db2=2/0</c>
    /// (keys / of them with a TTL, per database); <c>keyspace:</c> alone for a server without keys.
    /// </summary>
    public string ToDigest() =>
        DigestPrefix + string.Join(',', _databases.Select(d => string.Create(CultureInfo.InvariantCulture, $"db{d.Key}={d.Value.Keys}/{d.Value.Expires}")));

    /// <summary>The counts <see cref="ToDigest"/> wrote, or null when <paramref name="digest"/> is not such a record.</summary>
    public static RedisKeyspace? FromDigest(string? digest)
    {
        if (digest is null || !digest.StartsWith(DigestPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var databases = new SortedDictionary<int, RedisDatabaseCount>();
        foreach (var item in digest[DigestPrefix.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = item.Split('=', '/');
            if (parts.Length != 3 || !parts[0].StartsWith("db", StringComparison.Ordinal)
                || !int.TryParse(parts[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var db)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var keys)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
            {
                return null;
            }

            databases[db] = new RedisDatabaseCount(keys, expires);
        }

        return new RedisKeyspace(databases);
    }

    /// <summary>For people: <c>db0 10 keys (1 with a TTL), db2 2 keys</c>, or <c>no keys</c>.</summary>
    public override string ToString()
    {
        if (_databases.Count == 0)
        {
            return "no keys";
        }

        var text = new StringBuilder();
        foreach (var (db, count) in _databases)
        {
            text.Append(text.Length == 0 ? string.Empty : ", ")
                .Append(CultureInfo.InvariantCulture, $"db{db} {count.Keys} key{(count.Keys == 1 ? string.Empty : "s")}")
                .Append(count.Expires == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" ({count.Expires} with a TTL)"));
        }

        return text.ToString();
    }

    /// <summary>
    /// What differs between the counts recorded when the snapshot was taken and those of a server that loaded it, or
    /// null when they agree. Keys without a TTL must match exactly; a key with a TTL may have expired since (Redis does
    /// not load expired keys), so fewer of those is no difference.
    /// </summary>
    public static string? Difference(RedisKeyspace recorded, RedisKeyspace loaded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(loaded);
        var differences = new List<string>();
        foreach (var db in recorded._databases.Keys.Union(loaded._databases.Keys).Order())
        {
            var want = recorded._databases.GetValueOrDefault(db);
            var got = loaded._databases.GetValueOrDefault(db);
            if (got.Persistent != want.Persistent || got.Expires > want.Expires)
            {
                differences.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"db{db} has {got.Keys} keys ({got.Expires} with a TTL), but {want.Keys} ({want.Expires} with a TTL) were recorded at the backup"));
            }
        }

        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    public bool Equals(RedisKeyspace? other) =>
        other is not null && _databases.Count == other._databases.Count
        && _databases.All(d => other._databases.TryGetValue(d.Key, out var count) && count == d.Value);

    public override bool Equals(object? obj) => Equals(obj as RedisKeyspace);

    public override int GetHashCode() => _databases.Aggregate(0, (hash, d) => HashCode.Combine(hash, d.Key, d.Value));
}

/// <summary>One database's keys, and how many of them expire.</summary>
internal readonly record struct RedisDatabaseCount(long Keys, long Expires)
{
    public long Persistent => Keys - Expires;
}

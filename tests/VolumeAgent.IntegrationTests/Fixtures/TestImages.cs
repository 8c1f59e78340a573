namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The images the integration tests run; no registry is reachable, so they are built locally by
/// <see cref="BuildCommand"/> and never pulled.
/// </summary>
internal static class TestImages
{
    /// <summary>Debian bookworm minbase.</summary>
    public const string Debian = "volume-agent-test/debian:bookworm";

    /// <summary>FROM scratch + static busybox (sh, tar, gzip, sha256sum, cat, head, dd…): stands in for Alpine.</summary>
    public const string Helper = "volume-agent-test/helper:busybox";

    /// <summary>Debian with sqlite3, zstd, pigz and GNU tar.</summary>
    public const string Tools = "volume-agent-test/tools:bookworm";

    public const string Postgres = "volume-agent-test/postgres:15";

    public const string MariaDb = "volume-agent-test/mariadb:10.11";

    /// <summary>Debian's Redis 7.0; <c>REDIS_PASSWORD</c> sets a password, data in /data.</summary>
    public const string Redis = "volume-agent-test/redis:7";

    /// <summary>How to build them, from the repository root.</summary>
    public const string BuildCommand = "bash tests/images/build.sh";
}

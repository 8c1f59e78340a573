using VolumeAgent.Pipeline;
using VolumeAgent.Policy;
using VolumeAgent.Storage.Local;
using VolumeAgent.Storage.S3;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Policy.Reading;
using VolumeAgent.Sources.HostPath;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;
using VolumeAgent.Sources.Sqlite;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Policy;

public sealed class PolicyLoaderValidFileTests
{
    private const string FullFile = """
        timezone: Europe/Berlin
        helper_image: busybox:stable
        state_dir: /data/agent/
        log_format: json
        project: myapp
        storage:
          local: { type: local, path: /backups, create: true }
          offsite:
            type: s3
            endpoint: https://minio.internal:9000
            bucket: b
            region: eu-west-1
            prefix: x
            access_key: ${ACCESS}
            secret_key_file: /run/secrets/s3_secret
            path_style: true
        jobs:
          nightly:
            schedule: "0 2 * * *"
            jitter: 5m
            storage: [local, offsite]
            compression: zstd
            compression_level: 12
            retention: { keep_last: 3, keep_hourly: 1, keep_daily: 7, keep_weekly: 4, keep_monthly: 12, keep_yearly: 2, keep_within: 30d }
            stop_containers: [app, worker]
            verify: { schedule: "@weekly", drill: true }
            sources:
              - volume: app_uploads
                exclude: ["cache/*", "*.tmp"]
              - path: /srv/nginx/
              - postgres: db
                databases: [app, audit]
                format: plain
                user: backup
                password: ${PG_PASSWORD}
                name: main-db
              - mysql: legacy-db
                password_file: /run/secrets/mysql
              - sqlite: app_data
                file: db/app.sqlite
            hooks:
              before:
                - { container: app, command: ["sh", "-c", "echo down"], timeout: 30s }
              after:
                - container: app
                  command: [sh, -c, echo up]
          manual:
            storage: [local]
            compression: none
            sources:
              - volume: app_uploads
        """;

    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        new Dictionary<string, string> { ["ACCESS"] = "AKIAEXAMPLE", ["PG_PASSWORD"] = "pg-secret" },
        new Dictionary<string, string> { ["/run/secrets/s3_secret"] = "s3-secret\n", ["/run/secrets/mysql"] = "my-secret" });

    private readonly BackupPolicy policy = PolicyTestHelpers.Load(FullFile, Env);

    [Fact]
    public void Load_FullFile_ReadsTopLevelSettings()
    {
        policy.TimeZone.Id.Should().Be("Europe/Berlin");
        policy.HelperImage.Should().Be("busybox:stable");
        policy.StateDir.Should().Be("/data/agent", "trailing slashes are dropped");
        policy.LogFormat.Should().Be(LogFormat.Json);
        policy.Project.Should().Be("myapp");
    }

    [Fact]
    public void Load_FullFile_ReadsBothStorages()
    {
        policy.Storage.Keys.Should().BeEquivalentTo("local", "offsite");
        var local = policy.Storage["local"].Should().BeOfType<LocalStorageOptions>().Which;
        local.Path.Should().Be("/backups");
        local.Create.Should().BeTrue();
        PolicyTestHelpers.Load(PolicyTestHelpers.Minimal).Storage["local"].Should().BeOfType<LocalStorageOptions>()
            .Which.Create.Should().BeFalse("the storage directory must exist unless the file says otherwise");

        var s3 = policy.Storage["offsite"].Should().BeOfType<S3StorageOptions>().Which;
        s3.Name.Should().Be("offsite");
        s3.Type.Should().Be("s3");
        s3.Endpoint.Should().Be(new Uri("https://minio.internal:9000"));
        s3.Bucket.Should().Be("b");
        s3.Region.Should().Be("eu-west-1");
        s3.Prefix.Should().Be("x/", "a prefix is a folder, so it ends in /");
        s3.AccessKey.Reveal().Should().Be("AKIAEXAMPLE");
        s3.SecretKey.Reveal().Should().Be("s3-secret", "one trailing newline of a secret file is dropped");
        s3.PathStyle.Should().BeTrue();
    }

    [Fact]
    public void Load_FullFile_ReadsJobSettings()
    {
        policy.Jobs.Select(j => j.Name).Should().Equal("nightly", "manual");
        var job = policy.Jobs[0];
        job.Schedule!.Expression.Should().Be("0 2 * * *");
        job.Jitter.Should().Be(TimeSpan.FromMinutes(5));
        job.StorageNames.Should().Equal("local", "offsite");
        job.Compression.Should().Be(CompressionKind.Zstd);
        job.CompressionLevel.Should().Be(12);
        job.Retention.Should().Be(new RetentionOptions
        {
            KeepLast = 3,
            KeepHourly = 1,
            KeepDaily = 7,
            KeepWeekly = 4,
            KeepMonthly = 12,
            KeepYearly = 2,
            KeepWithin = TimeSpan.FromDays(30),
        });
        job.StopContainers.Select(c => c.ToString()).Should().Equal("app", "worker");
        job.Verify!.Schedule!.Fields.Should().Be("0 0 * * 0");
        job.Verify.Drill.Should().BeTrue();
        policy.StoragesOf(job).Select(s => s.Name).Should().Equal("local", "offsite");
    }

    [Fact]
    public void Load_FullFile_ReadsHooks()
    {
        var hooks = policy.Jobs[0].Hooks;
        hooks.Before.Should().ContainSingle();
        hooks.Before[0].Container.Should().Be("app");
        hooks.Before[0].Command.Should().Equal("sh", "-c", "echo down");
        hooks.Before[0].Timeout.Should().Be(TimeSpan.FromSeconds(30));
        hooks.After.Should().ContainSingle();
        hooks.After[0].Command.Should().Equal("sh", "-c", "echo up");
        hooks.After[0].Timeout.Should().Be(TimeSpan.FromMinutes(5), "5m is the default hook timeout");
    }

    [Fact]
    public void Load_FullFile_ReadsEverySourceKindInOrder()
    {
        var sources = policy.Jobs[0].Sources;
        sources.Select(s => s.Kind).Should().Equal("volume", "path", "postgres", "mysql", "sqlite");

        var volume = sources[0].Should().BeOfType<VolumeSource>().Which;
        volume.Volume.Should().Be("app_uploads");
        volume.Exclude.Should().Equal("cache/*", "*.tmp");

        sources[1].Should().BeOfType<PathSource>().Which.Path.Should().Be("/srv/nginx");

        var postgres = sources[2].Should().BeOfType<PostgresSource>().Which;
        postgres.Target.Should().Be("db");
        postgres.Databases.Should().Equal("app", "audit");
        postgres.Format.Should().Be(PostgresDumpFormat.Plain);
        postgres.User.Should().Be("backup");
        postgres.Password!.Reveal().Should().Be("pg-secret");

        var mysql = sources[3].Should().BeOfType<MysqlSource>().Which;
        mysql.Target.Should().Be("legacy-db");
        mysql.Databases.Should().BeEmpty("no databases means all of them");
        mysql.User.Should().BeNull();
        mysql.Password!.Reveal().Should().Be("my-secret");

        var sqlite = sources[4].Should().BeOfType<SqliteSource>().Which;
        sqlite.Volume.Should().Be("app_data");
        sqlite.File.Should().Be("db/app.sqlite");
    }

    [Fact]
    public void Load_FullFile_GivesDefaultOrExplicitArtifactNames()
    {
        policy.Jobs[0].Sources.Select(s => s.ArtifactName).Should().Equal(
            "volume-app_uploads", "path-srv-nginx", "main-db", "mysql-legacy-db", "sqlite-app_data-app");
    }

    [Fact]
    public void Load_JobWithoutOptionalKeys_UsesDefaults()
    {
        var job = policy.Jobs[1];
        job.Schedule.Should().BeNull("a job without schedule runs only on demand");
        job.Jitter.Should().BeNull();
        job.Compression.Should().Be(CompressionKind.None);
        job.CompressionLevel.Should().Be(0);
        job.Retention.Should().BeNull("no retention keeps every set");
        job.StopContainers.Should().BeEmpty();
        job.Hooks.Before.Should().BeEmpty();
        job.Hooks.After.Should().BeEmpty();
        job.Verify.Should().BeNull();
    }

    [Fact]
    public void Load_MinimalFile_UsesDocumentedDefaults()
    {
        var minimal = PolicyTestHelpers.Load(PolicyTestHelpers.Minimal);

        minimal.TimeZone.Should().Be(TimeZoneInfo.Utc);
        minimal.HelperImage.Should().Be("alpine:3.20");
        minimal.StateDir.Should().Be("/var/lib/volume-agent");
        minimal.LogFormat.Should().Be(LogFormat.Text);
        minimal.Project.Should().BeNull();
        var job = minimal.Jobs.Should().ContainSingle().Which;
        job.StorageNames.Should().Equal(["local"], "the only storage is the default");
        job.Compression.Should().Be(CompressionKind.Gzip);
        job.CompressionLevel.Should().Be(6);
    }

    [Theory]
    [InlineData("gzip", 6)]
    [InlineData("zstd", 3)]
    [InlineData("none", 0)]
    public void Load_CompressionWithoutLevel_UsesThatCompressionsDefaultLevel(string compression, int expectedLevel)
    {
        var yaml = PolicyTestHelpers.Minimal.Replace("    sources:", $"    compression: {compression}\n    sources:", StringComparison.Ordinal);

        PolicyTestHelpers.Load(yaml).Jobs[0].CompressionLevel.Should().Be(expectedLevel);
    }

    [Fact]
    public void Load_TimeZone_IsTheIanaZoneWithItsOwnOffsetsWhateverTheCurrentDate()
    {
        // Fixed instants, not "now": the result must not depend on whether the test runs in summer or winter.
        var zone = policy.TimeZone;

        zone.GetUtcOffset(new DateTimeOffset(2025, 1, 15, 12, 0, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromHours(1));
        zone.GetUtcOffset(new DateTimeOffset(2025, 7, 15, 12, 0, 0, TimeSpan.Zero)).Should().Be(TimeSpan.FromHours(2));
    }

    [Fact]
    public void Load_AnchorsAndAliases_AreResolved()
    {
        const string yaml = """
            storage:
              local: { type: local, path: /backups }
            jobs:
              a:
                retention: &keep { keep_daily: 7 }
                sources: [{ volume: one }]
              b:
                retention: *keep
                sources: [{ volume: two }]
            """;

        var loaded = PolicyTestHelpers.Load(yaml);

        loaded.Jobs[1].Retention!.KeepDaily.Should().Be(7);
    }
}

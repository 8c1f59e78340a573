using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;
using static VolumeAgent.Tests.Policy.PolicyTestHelpers;

namespace VolumeAgent.Tests.Policy;

/// <summary>Each kind of mistake on its own: reported once, at the right line:column, under the right key path.</summary>
public sealed class PolicyLoaderProblemTests
{
    private const string TwoStorages = """
        storage:
          local: { type: local, path: /backups }
          offsite: { type: local, path: /offsite }
        jobs:
          nightly:
            sources: [{ volume: data }]
        """;

    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        new Dictionary<string, string> { ["EMPTY"] = string.Empty },
        new Dictionary<string, string> { ["/run/secrets/empty"] = "\n" });

    /// <summary>name, yaml, where (marker; '|' marks the spot), occurrence of the marker, key path, part of the message.</summary>
    public static TheoryData<string, string, string, int, string, string> Cases => new()
    {
        // Unknown keys.
        { "unknown root key", "timezon: UTC\n" + Minimal, "timezon", 1, "timezon", "unknown key 'timezon'; did you mean 'timezone'?" },
        { "unknown job key", WithJob("shedule: \"0 2 * * *\"\nsources: [{ volume: data }]"), "shedule", 1, "jobs.nightly.shedule", "did you mean 'schedule'?" },
        { "unknown key, nothing close", "colour: red\n" + Minimal, "colour", 1, "colour", "allowed here: timezone, helper_image" },
        { "hyphen for underscore", WithJob("stop-containers: [app]\nsources: [{ volume: data }]"), "stop-containers", 1, "jobs.nightly.stop-containers", "did you mean 'stop_containers'?" },
        { "unknown hooks key", WithJob("hooks: { during: [] }\nsources: [{ volume: data }]"), "during", 1, "jobs.nightly.hooks.during", "unknown key 'during'" },
        { "s3 key on local storage", "storage:\n  local: { type: local, path: /backups, bucket: b }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "bucket", 1, "storage.local.bucket", "'bucket' applies to s3 storage only" },

        // Wrong types.
        { "list expected", WithJob("storage: local\nsources: [{ volume: data }]"), "storage: |local", 1, "jobs.nightly.storage", "expected a list, got a text value" },
        { "sources is a map", WithJob("sources: { volume: data }"), "sources: |{", 1, "jobs.nightly.sources", "expected a list, got a map" },
        { "map expected", WithJob("retention: 7\nsources: [{ volume: data }]"), "retention: |7", 1, "jobs.nightly.retention", "expected a map of key: value pairs, got a text value" },
        { "text expected", "timezone: [UTC]\n" + Minimal, "[UTC]", 1, "timezone", "expected a text value, got a list" },
        { "integer expected", WithJob("retention: { keep_last: three }\nsources: [{ volume: data }]"), "three", 1, "jobs.nightly.retention.keep_last", "expected a whole number, got 'three'" },
        { "negative integer", WithJob("retention: { keep_daily: -1 }\nsources: [{ volume: data }]"), "-1", 1, "jobs.nightly.retention.keep_daily", "must not be negative, got -1" },
        { "bool expected", WithJob("verify: { drill: yes }\nsources: [{ volume: data }]"), "yes", 1, "jobs.nightly.verify.drill", "expected true or false, got 'yes'" },
        { "create not a bool", "storage:\n  local: { type: local, path: /backups, create: always }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "always", 1, "storage.local.create", "expected true or false, got 'always'" },
        { "source item is not a map", WithSources("- data"), "- |data", 1, "jobs.nightly.sources[0]", "expected a map such as { volume: app_data }, got a text value" },
        { "hook command is a string", WithJob("hooks:\n  before: [{ container: app, command: \"echo hi\" }]\nsources: [{ volume: data }]"), "\"echo hi\"", 1, "jobs.nightly.hooks.before[0].command", "expected a list, got a text value" },
        { "non-text key", "[a]: b\n" + Minimal, "[a]", 1, string.Empty, "a key must be plain text" },
        { "root is a list", "- storage\n", "- storage", 1, string.Empty, "expected a map with 'storage' and 'jobs', got a list" },

        // Missing or empty.
        { "missing jobs", "storage:\n  local: { type: local, path: /backups }\n", "storage", 1, "jobs", "is required" },
        { "missing storage", "jobs:\n  j:\n    sources: [{ volume: data }]\n", "jobs", 1, "storage", "is required; define at least one" },
        { "missing sources", WithJob("schedule: \"@daily\""), "nightly", 1, "jobs.nightly.sources", "is required" },
        { "empty sources", WithJob("sources: []"), "sources: |[]", 1, "jobs.nightly.sources", "list at least one source" },
        { "empty job", "storage:\n  local: { type: local, path: /backups }\njobs:\n  nightly:\n", "nightly", 1, "jobs.nightly", "is empty; a job needs at least 'sources'" },
        { "empty jobs map", "storage:\n  local: { type: local, path: /backups }\njobs: {}\n", "jobs", 1, "jobs", "define at least one job" },
        { "empty required value", WithSources("- volume: \"\""), "\"\"", 1, "jobs.nightly.sources[0].volume", "must not be empty" },
        { "storage type missing", "storage:\n  local: { path: /backups }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "local", 1, "storage.local.type", "is required; use one of local, s3, sftp" },
        { "local path missing", "storage:\n  local: { type: local }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "local", 1, "storage.local.path", "is required" },
        { "storage needed with two storages", TwoStorages, "nightly", 1, "jobs.nightly.storage", "is required because more than one storage is defined" },
        { "sqlite without file", WithSources("- sqlite: app_data"), "- |sqlite", 1, "jobs.nightly.sources[0].file", "is required for sqlite" },
        { "hook without container", WithJob("hooks:\n  after: [{ command: [\"true\"] }]\nsources: [{ volume: data }]"), "{ command", 1, "jobs.nightly.hooks.after[0].container", "is required" },
        { "hook command empty", WithJob("hooks:\n  after: [{ container: app, command: [] }]\nsources: [{ volume: data }]"), "command: |[]", 1, "jobs.nightly.hooks.after[0].command", "must not be empty" },

        // Values.
        { "cron out of range", WithJob("schedule: \"0 25 * * *\"\nsources: [{ volume: data }]"), "\"0 25", 1, "jobs.nightly.schedule", "has an invalid hour field \"25\"" },
        { "cron with four fields", WithJob("schedule: \"0 2 * *\"\nsources: [{ volume: data }]"), "\"0 2", 1, "jobs.nightly.schedule", "has 4 fields" },
        { "cron unknown macro", WithJob("schedule: \"@reboot\"\nsources: [{ volume: data }]"), "\"@reboot", 1, "jobs.nightly.schedule", "\"@reboot\" is not a known shorthand" },
        { "cron never matches", WithJob("schedule: \"0 0 30 2 *\"\nsources: [{ volume: data }]"), "\"0 0 30", 1, "jobs.nightly.schedule", "never fires" },
        { "verify cron", WithJob("verify: { schedule: \"every sunday\" }\nsources: [{ volume: data }]"), "\"every", 1, "jobs.nightly.verify.schedule", "\"every sunday\" has 2 fields" },
        { "unknown time zone", "timezone: Europe/Berlim\n" + Minimal, "Europe/Berlim", 1, "timezone", "unknown time zone 'Europe/Berlim'" },
        { "bad duration", WithJob("jitter: 5 minutes\nsources: [{ volume: data }]"), "5 minutes", 1, "jobs.nightly.jitter", "'5 minutes' is not a duration" },
        { "zero hook timeout", WithJob("hooks:\n  before: [{ container: app, command: [\"true\"], timeout: 0s }]\nsources: [{ volume: data }]"), "0s", 1, "jobs.nightly.hooks.before[0].timeout", "must be longer than zero" },
        { "undefined storage", WithJob("storage: [locl]\nsources: [{ volume: data }]"), "locl", 1, "jobs.nightly.storage[0]", "storage 'locl' is not defined under 'storage' (defined: local); did you mean 'local'?" },
        { "storage listed twice", WithJob("storage: [local, local]\nsources: [{ volume: data }]"), "local]", 1, "jobs.nightly.storage[1]", "'local' is listed twice" },
        { "path not absolute", WithSources("- path: srv/nginx"), "srv/nginx", 1, "jobs.nightly.sources[0].path", "must be an absolute path (starting with /), got 'srv/nginx'" },
        { "state_dir not absolute", "state_dir: state\n" + Minimal, "state\n", 1, "state_dir", "must be an absolute path" },
        { "local storage path not absolute", "storage:\n  local: { type: local, path: backups }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "backups", 1, "storage.local.path", "must be an absolute path" },
        { "sqlite file escapes the volume", WithSources("- sqlite: app_data\n  file: ../etc/app.db"), "../etc", 1, "jobs.nightly.sources[0].file", "relative to the volume's root without '..'" },
        { "compression not allowed", WithJob("compression: gz\nsources: [{ volume: data }]"), "gz\n", 1, "jobs.nightly.compression", "'gz' is not allowed; use one of gzip, zstd, none; did you mean 'gzip'?" },
        { "dump format not allowed", WithSources("- postgres: db\n  format: sql"), "sql", 1, "jobs.nightly.sources[0].format", "'sql' is not allowed; use one of custom, plain" },
        { "log format not allowed", "log_format: xml\n" + Minimal, "xml", 1, "log_format", "'xml' is not allowed; use one of text, json" },
        { "storage type not allowed", "storage:\n  local: { type: ftp, path: /backups }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "ftp", 1, "storage.local.type", "'ftp' is not allowed; use one of local, s3, sftp" },
        { "level for no compression", WithJob("compression: none\ncompression_level: 3\nsources: [{ volume: data }]"), "compression_level: |3", 1, "jobs.nightly.compression_level", "does not apply when compression is none" },
        { "gzip level too high", WithJob("compression_level: 10\nsources: [{ volume: data }]"), "10", 1, "jobs.nightly.compression_level", "must be between 1 and 9, got 10" },
        { "zstd level too high", WithJob("compression: zstd\ncompression_level: 20\nsources: [{ volume: data }]"), "20", 1, "jobs.nightly.compression_level", "must be between 1 and 19, got 20" },
        { "retention keeps nothing", WithJob("retention: { keep_last: 0 }\nsources: [{ volume: data }]"), "retention", 1, "jobs.nightly.retention", "keeps nothing" },
        { "invalid job name", "storage:\n  local: { type: local, path: /backups }\njobs:\n  my job:\n    sources: [{ volume: data }]\n", "my job", 1, "jobs.my job", "'my job' is not a valid job name" },
        { "invalid storage name", "storage:\n  my/store: { type: local, path: /backups }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "my/store", 1, "storage.my/store", "is not a valid storage name" },
        { "invalid volume name", WithSources("- volume: \"my volume\""), "\"my volume\"", 1, "jobs.nightly.sources[0].volume", "'my volume' is not a valid volume name" },
        { "invalid artifact name", WithSources("- volume: data\n  name: \"my data\""), "\"my data\"", 1, "jobs.nightly.sources[0].name", "'my data' is not a valid artifact name" },
        { "invalid stop container", WithJob("stop_containers: [\"a b\"]\nsources: [{ volume: data }]"), "\"a b\"", 1, "jobs.nightly.stop_containers[0]", "'a b' is not a valid container or service name" },
        { "compose project upper case", "project: MyApp\n" + Minimal, "MyApp", 1, "project", "is not a compose project name" },
        { "helper image with space", "helper_image: \"alpine 3\"\n" + Minimal, "\"alpine 3\"", 1, "helper_image", "is not an image reference" },

        // Sources: kinds and artifact names.
        { "source without kind", WithSources("- exclude: [\"x\"]"), "- |exclude", 1, "jobs.nightly.sources[0]", "says nothing to back up; give exactly one of volume, path, postgres, mysql, sqlite" },
        { "source with two kinds", WithSources("- volume: data\n  path: /srv"), "path: /srv", 1, "jobs.nightly.sources[0].path", "has both 'volume' and 'path'; make them two list items" },
        { "key of another kind", WithSources("- volume: data\n  databases: [app]"), "databases", 1, "jobs.nightly.sources[0].databases", "'databases' does not apply to a volume source (it is for postgres and mysql sources)" },
        { "format on mysql", WithSources("- mysql: db\n  format: plain"), "format", 1, "jobs.nightly.sources[0].format", "'format' does not apply to a mysql source (it is for postgres sources)" },
        { "same volume twice", WithSources("- volume: data\n- volume: data"), "- |volume: data", 2, "jobs.nightly.sources[1]", "produces the artifact 'volume-data' like jobs.nightly.sources[0]; give one of them a distinct 'name'" },
        { "custom name clashes", WithSources("- volume: data\n- path: /srv/data\n  name: volume-data"), "- |path", 1, "jobs.nightly.sources[1]", "produces the artifact 'volume-data'" },
        { "database listed twice", WithSources("- postgres: db\n  databases: [app, app]"), "app]", 1, "jobs.nightly.sources[0].databases[1]", "'app' is listed twice" },

        // Storage: S3.
        { "s3 without bucket", "storage:\n  s3: { type: s3, access_key: a, secret_key: b }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "s3:", 1, "storage.s3.bucket", "is required" },
        { "s3 without access key", "storage:\n  s3: { type: s3, bucket: b, secret_key: b }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "s3:", 1, "storage.s3.access_key", "is required; set 'access_key' or 'access_key_file'" },
        { "s3 without secret key", "storage:\n  s3: { type: s3, bucket: b, access_key: a }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "s3:", 1, "storage.s3.secret_key", "is required; set 'secret_key' or 'secret_key_file'" },
        { "s3 access key set twice", "storage:\n  s3: { type: s3, bucket: b, access_key_file: /run/a, access_key: a, secret_key: s }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "access_key_file", 1, "storage.s3.access_key_file", "set either 'access_key' or 'access_key_file', not both" },
        { "s3 endpoint not http", "storage:\n  s3: { type: s3, endpoint: ftp://x, bucket: b, access_key: a, secret_key: s }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "ftp://x", 1, "storage.s3.endpoint", "'ftp://x' is not an http:// or https:// address" },
        { "s3 bucket with folder", "storage:\n  s3: { type: s3, bucket: b/dir, access_key: a, secret_key: s }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "b/dir", 1, "storage.s3.bucket", "put folders in 'prefix'" },
        { "s3 prefix with leading slash", "storage:\n  s3: { type: s3, bucket: b, prefix: /x, access_key: a, secret_key: s }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "/x", 1, "storage.s3.prefix", "must not start with '/'" },
        { "s3 path_style not bool", "storage:\n  s3: { type: s3, bucket: b, access_key: a, secret_key: s, path_style: maybe }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "maybe", 1, "storage.s3.path_style", "expected true or false" },

        // Secrets and interpolation.
        { "password and password_file", WithSources("- postgres: db\n  password: x\n  password_file: /run/secrets/pg"), "password_file", 1, "jobs.nightly.sources[0].password_file", "set either 'password' or 'password_file', not both" },
        { "unreadable secret file", WithSources("- mysql: db\n  password_file: /run/secrets/nope"), "/run/secrets/nope", 1, "jobs.nightly.sources[0].password_file", "cannot read the password from '/run/secrets/nope'" },
        { "empty secret file", WithSources("- mysql: db\n  password_file: /run/secrets/empty"), "/run/secrets/empty", 1, "jobs.nightly.sources[0].password_file", "the password file '/run/secrets/empty' is empty" },
        { "relative secret file", WithSources("- mysql: db\n  password_file: secrets/pg"), "secrets/pg", 1, "jobs.nightly.sources[0].password_file", "must be an absolute path (e.g. /run/secrets/password)" },
        { "undefined variable", "storage:\n  local: { type: local, path: \"${BACKUP_DIR}\" }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "\"${BACKUP_DIR}", 1, "storage.local.path", "environment variable 'BACKUP_DIR' is not set; set it, or give a default with ${BACKUP_DIR:-default}" },
        { "variable makes a required value empty", WithSources("- volume: ${EMPTY}"), "${EMPTY}", 1, "jobs.nightly.sources[0].volume", "must not be empty" },
        { "malformed variable", WithSources("- volume: data-${1X}"), "data-", 1, "jobs.nightly.sources[0].volume", "'${1X}' is not a variable reference" },
        { "unclosed variable", WithSources("- volume: data-${X"), "data-", 1, "jobs.nightly.sources[0].volume", "'${' is not closed with '}'" },

        // YAML itself.
        { "duplicate key", WithJob("schedule: \"@daily\"\nschedule: \"@hourly\"\nsources: [{ volume: data }]"), "schedule", 2, "jobs.nightly.schedule", "duplicate key 'schedule' (first set on line 5); this one is ignored" },
        { "duplicate key in flow map", "storage:\n  local: { type: local, path: /backups, path: /other }\njobs:\n  j:\n    sources: [{ volume: data }]\n", "path", 2, "storage.local.path", "duplicate key 'path' (first set on line 2)" },
        { "duplicate job", Minimal + "\n  nightly:\n    sources: [{ volume: other }]\n", "nightly", 2, "jobs.nightly", "duplicate key 'nightly' (first set on line 4)" },
        { "duplicate key in a list item", WithSources("- volume: a\n- volume: b\n  exclude: [x]\n  exclude: [y]"), "exclude", 2, "jobs.nightly.sources[1].exclude", "duplicate key 'exclude' (first set on line 8)" },
        { "two documents", Minimal + "\n---\nfoo: bar\n", "foo", 1, string.Empty, "more than one YAML document" },
        { "empty file", "# nothing here\n", "# nothing", 1, string.Empty, "the file is empty" },
        { "bad indentation", "storage:\n  local: { type: local, path: /backups }\n jobs:\n", " |jobs", 1, string.Empty, "YAML syntax error" },
        { "unclosed flow list", WithJob("storage: [local\nsources: [{ volume: data }]"), "[local", 1, string.Empty, "YAML syntax error at or after this point" },
        { "unquoted macro", WithJob("schedule: @daily\nsources: [{ volume: data }]"), "@daily", 1, string.Empty, "A value starting with @ must be quoted, e.g. \"@daily\"." },
        { "unquoted cron starting with *", WithJob("schedule: * * * * *\nsources: [{ volume: data }]"), "schedule: |*", 1, string.Empty, "A value starting with * or & is read as a YAML alias or anchor: quote it" },
        { "tab indentation", "storage:\n\tlocal: { type: local, path: /backups }\n", "\tlocal", 1, string.Empty, "YAML syntax error" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_OneMistake_ReportsExactlyThatProblemAtItsPosition(string name, string yaml, string at, int occurrence, string path, string message)
    {
        var (line, column) = PositionOf(yaml, at, occurrence);

        var failure = LoadFailure(yaml, Env);

        failure.Problems.Should().ContainSingle(name);
        var problem = failure.Problems[0];
        problem.Path.Should().Be(path, name);
        problem.Message.Should().Contain(message, name);
        (problem.Line, problem.Column).Should().Be((line, column), $"{name}: the problem is at '{at}'");
    }

    [Fact]
    public void Load_MergeKey_IsRejectedWithAnExplanation()
    {
        const string yaml = """
            storage:
              local: { type: local, path: /backups }
            jobs:
              base: &base
                sources: [{ volume: data }]
              nightly:
                <<: *base
                schedule: "@daily"
            """;

        var failure = LoadFailure(yaml);

        failure.Problems.Should().Contain(p => p.Path == "jobs.nightly.<<" && p.Message.Contains("merge keys (<<) are not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_UnreadableFile_ReportsTheFileWithoutAPosition()
    {
        var path = Path.Combine(Path.GetTempPath(), "volume-agent-tests-" + Guid.NewGuid().ToString("N"), "backup.yml");

        var act = () => PolicyLoader.LoadFile(path);

        var failure = act.Should().Throw<PolicyException>().Which;
        failure.Problems.Should().ContainSingle().Which.Line.Should().Be(0);
        failure.Message.Should().Contain(path).And.Contain("cannot read the file");
    }

    [Fact]
    public void Load_DirectoryGivenAsTheFile_SaysItIsADirectoryNotThatAccessIsDenied()
    {
        var path = Path.Combine(Path.GetTempPath(), "volume-agent-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        try
        {
            var act = () => PolicyLoader.LoadFile(path);

            var failure = act.Should().Throw<PolicyException>().Which;
            failure.Problems.Should().ContainSingle().Which.Message.Should().StartWith("is a directory, not a file; expected a backup.yml file.")
                .And.Contain(Path.Combine(path, "backup.yml")).And.NotContain("denied");
        }
        finally
        {
            Directory.Delete(path);
        }
    }

    [Fact]
    public void Load_StorageListMissingWithOneStorage_UsesThatStorage()
    {
        PolicyTestHelpers.Load(TwoStorages.Replace("  offsite: { type: local, path: /offsite }\n", string.Empty, StringComparison.Ordinal))
            .Jobs[0].StorageNames.Should().Equal("local");
    }

    [Fact]
    public void Load_OptionalValueEmptiedByVariable_CountsAsNotSet()
    {
        var policy = PolicyTestHelpers.Load("project: ${EMPTY}\n" + Minimal, Env);

        policy.Project.Should().BeNull();
    }
}

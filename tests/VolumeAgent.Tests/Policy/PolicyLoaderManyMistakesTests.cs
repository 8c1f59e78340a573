using VolumeAgent.Policy;

namespace VolumeAgent.Tests.Policy;

public sealed class PolicyLoaderManyMistakesTests
{
    // Expected refers to positions in this text: edit the two together.
    private const string Yaml = """
        timezone: Mars/Olympus
        log_format: yaml
        storage:
          local: { type: local, path: backups }
          offsite:
            type: s3
            bucket: b
            access_key: ${S3_KEY}
            secret_key: s
            secret_key_file: /run/secrets/s3
        jobs:
          nightly:
            shedule: "0 2 * * *"
            storage: [local, ofsite]
            compression: brotli
            retention: { keep_last: -3, keep_within: forever }
            hooks:
              before: [{ container: app, command: ["true"], timeout: 10 }]
            sources:
              - volume: app_uploads
                databases: [app]
              - path: srv/nginx
              - sqlite: app_data
              - volume: app_uploads
              - postgres: db
                password: x
                password_file: /run/secrets/pg
          weekly:
            schedule: "61 * * * *"
            sources: []
        log_format: text
        """;

    private static readonly (int Line, int Column, string Path, string Message)[] Expected =
    [
        (1, 11, "timezone", "unknown time zone 'Mars/Olympus'"),
        (2, 13, "log_format", "'yaml' is not allowed; use one of text, json"),
        (4, 31, "storage.local.path", "must be an absolute path"),
        (8, 17, "storage.offsite.access_key", "environment variable 'S3_KEY' is not set"),
        (10, 5, "storage.offsite.secret_key_file", "set either 'secret_key' or 'secret_key_file', not both"),
        (13, 5, "jobs.nightly.shedule", "did you mean 'schedule'?"),
        (14, 22, "jobs.nightly.storage[1]", "storage 'ofsite' is not defined under 'storage' (defined: local, offsite); did you mean 'offsite'?"),
        (15, 18, "jobs.nightly.compression", "'brotli' is not allowed"),
        (16, 29, "jobs.nightly.retention.keep_last", "must not be negative"),
        (16, 46, "jobs.nightly.retention.keep_within", "'forever' is not a duration"),
        (18, 62, "jobs.nightly.hooks.before[0].timeout", "'10' is not a duration"),
        (21, 9, "jobs.nightly.sources[0].databases", "'databases' does not apply to a volume source"),
        (22, 15, "jobs.nightly.sources[1].path", "must be an absolute path"),
        (23, 9, "jobs.nightly.sources[2].file", "is required"),
        (24, 9, "jobs.nightly.sources[3]", "produces the artifact 'volume-app_uploads' like jobs.nightly.sources[0]"),
        (27, 9, "jobs.nightly.sources[4].password_file", "set either 'password' or 'password_file', not both"),
        (28, 3, "jobs.weekly.storage", "is required because more than one storage is defined"),
        (29, 15, "jobs.weekly.schedule", "has an invalid minute field \"61\""),
        (30, 14, "jobs.weekly.sources", "list at least one source"),
        (31, 1, "log_format", "duplicate key 'log_format' (first set on line 2)"),
    ];

    private readonly PolicyException failure = PolicyTestHelpers.LoadFailure(Yaml);

    [Fact]
    public void Load_FileWithManyMistakes_ReportsEveryOneAtItsLineAndColumn()
    {
        failure.Problems.Select(p => (p.Line, p.Column, p.Path)).Should().Equal(Expected.Select(e => (e.Line, e.Column, e.Path)));
        foreach (var (problem, expected) in failure.Problems.Zip(Expected))
        {
            problem.Message.Should().Contain(expected.Message, $"the problem at {expected.Line}:{expected.Column} is about {expected.Path}");
        }
    }

    [Fact]
    public void Message_FileWithManyMistakes_HasACountLineThenOneSortedLinePerProblem()
    {
        var lines = failure.Message.Split('\n');

        lines[0].Should().Be($"backup.yml has {Expected.Length} problem(s):");
        lines.Skip(1).Should().HaveCount(Expected.Length);
        foreach (var (line, expected) in lines.Skip(1).Zip(Expected))
        {
            line.Should().StartWith($"  test.yml:{expected.Line}:{expected.Column} {expected.Path}: ").And.Contain(expected.Message);
        }
    }
}

using VolumeAgent.Policy;
using static VolumeAgent.Tests.Policy.PolicyTestHelpers;

namespace VolumeAgent.Tests.Policy;

/// <summary>
/// <c>stall_timeout</c> (root, job, source; the nearest one wins) and a source's <c>timeout</c>: defaults, the
/// order of overrides, and bad values reported at their line:column.
/// </summary>
public sealed class StallTimeoutPolicyTests
{
    [Fact]
    public void Load_NothingSet_StallTimeoutIsFiveMinutesEverywhereAndNoSourceTimeout()
    {
        var policy = PolicyTestHelpers.Load(Minimal);

        policy.StallTimeout.Should().Be(TimeSpan.FromMinutes(5));
        policy.Jobs[0].StallTimeout.Should().Be(TimeSpan.FromMinutes(5));
        policy.Jobs[0].Sources[0].StallTimeout.Should().Be(TimeSpan.FromMinutes(5));
        policy.Jobs[0].Sources[0].Timeout.Should().BeNull();
    }

    [Fact]
    public void Load_SetAtEveryLevel_SourceOverridesJobOverridesRoot()
    {
        const string yaml = """
            stall_timeout: 10m
            storage:
              local: { type: local, path: /backups }
            jobs:
              inherits:
                sources:
                  - volume: a
              own:
                stall_timeout: 2m
                sources:
                  - volume: b
                  - postgres: db
                    stall_timeout: 30s
                    timeout: 1h30m
            """;

        var policy = PolicyTestHelpers.Load(yaml);

        policy.StallTimeout.Should().Be(TimeSpan.FromMinutes(10));
        var inherits = policy.FindJob("inherits")!;
        inherits.StallTimeout.Should().Be(TimeSpan.FromMinutes(10), "a job without its own takes the root's");
        inherits.Sources[0].StallTimeout.Should().Be(TimeSpan.FromMinutes(10));
        var own = policy.FindJob("own")!;
        own.StallTimeout.Should().Be(TimeSpan.FromMinutes(2));
        own.Sources[0].StallTimeout.Should().Be(TimeSpan.FromMinutes(2), "a source without its own takes its job's");
        own.Sources[0].Timeout.Should().BeNull();
        own.Sources[1].StallTimeout.Should().Be(TimeSpan.FromSeconds(30));
        own.Sources[1].Timeout.Should().Be(TimeSpan.FromMinutes(90));
    }

    [Fact]
    public void Describe_JobAndSourceLimits_AreShownByValidate()
    {
        var description = PolicyTestHelpers.Load(WithJob("stall_timeout: 2m\nsources:\n  - volume: a\n  - postgres: db\n    stall_timeout: 30s\n    timeout: 1h"))
            .Describe().Split('\n').Select(l => l.Trim()).ToList();

        description.Should().Contain("stall:       2m without progress fails an artifact");
        description.Should().Contain("volume-a    <- volume a");
        description.Should().Contain("postgres-db <- postgres db (all databases, custom format); timeout 1h, stall 30s");
    }

    /// <summary>name, yaml, where (marker; '|' marks the spot), key path, part of the message.</summary>
    public static TheoryData<string, string, string, string, string> Problems => new()
    {
        { "root not a duration", "stall_timeout: 5\n" + Minimal, "5\n", "stall_timeout", "'5' is not a duration; use whole numbers with a unit" },
        { "root zero", "stall_timeout: 0s\n" + Minimal, "0s", "stall_timeout", "must be longer than zero" },
        { "job not a duration", WithJob("stall_timeout: 5 min\nsources: [{ volume: data }]"), "5 min", "jobs.nightly.stall_timeout", "'5 min' is not a duration" },
        { "job zero", WithJob("stall_timeout: 0\nsources: [{ volume: data }]"), "stall_timeout: |0", "jobs.nightly.stall_timeout", "must be longer than zero" },
        { "source not a duration", WithSources("- postgres: db\n  stall_timeout: 1.5m"), "1.5m", "jobs.nightly.sources[0].stall_timeout", "'1.5m' is not a duration" },
        { "source timeout not a duration", WithSources("- volume: data\n  timeout: forever"), "forever", "jobs.nightly.sources[0].timeout", "'forever' is not a duration" },
        { "source timeout zero", WithSources("- mysql: db\n  timeout: 0m"), "0m", "jobs.nightly.sources[0].timeout", "must be longer than zero" },
        { "source timeout a list", WithSources("- path: /srv\n  timeout: [1h]"), "[1h]", "jobs.nightly.sources[0].timeout", "expected a duration, got a list" },
        { "timeout on a job", WithJob("timeout: 1h\nsources: [{ volume: data }]"), "timeout", "jobs.nightly.timeout", "unknown key 'timeout'" },
        { "timeout at the root", "timeout: 1h\n" + Minimal, "timeout", "timeout", "unknown key 'timeout'" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Load_BadValue_IsReportedAtItsLineAndColumn(string name, string yaml, string at, string path, string message)
    {
        var (line, column) = PositionOf(yaml, at);

        var failure = LoadFailure(yaml);

        failure.Problems.Should().ContainSingle(name);
        var problem = failure.Problems[0];
        problem.Path.Should().Be(path, name);
        problem.Message.Should().Contain(message, name);
        (problem.Line, problem.Column).Should().Be((line, column), $"{name}: the problem is at '{at}'");
    }
}

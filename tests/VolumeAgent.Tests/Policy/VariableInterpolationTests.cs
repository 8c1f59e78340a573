using VolumeAgent.Policy;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Policy;

public sealed class VariableInterpolationTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["HOST"] = "db.internal",
        ["PORT"] = "5432",
        ["EMPTY"] = string.Empty,
        ["DOLLAR"] = "a$b",
    };

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("${HOST}", "db.internal")]
    [InlineData("${HOST}:${PORT}", "db.internal:5432")]
    [InlineData("pre-${HOST}-post", "pre-db.internal-post")]
    [InlineData("${MISSING:-fallback}", "fallback")]
    [InlineData("${EMPTY:-fallback}", "fallback")]
    [InlineData("${HOST:-fallback}", "db.internal")]
    [InlineData("${MISSING:-}", "")]
    [InlineData("${MISSING:-a b/c}", "a b/c")]
    [InlineData("${EMPTY}", "")]
    [InlineData("$$", "$")]
    [InlineData("$${HOST}", "${HOST}")]
    [InlineData("price $$5", "price $5")]
    [InlineData("$$$${HOST}", "$${HOST}")]
    [InlineData("$$${HOST}", "$db.internal")]
    [InlineData("${DOLLAR}", "a$b")]
    [InlineData("cost $5 and $HOME", "cost $5 and $HOME")]
    [InlineData("trailing $", "trailing $")]
    public void Expand_ValidText_ReplacesReferences(string text, string expected)
    {
        var errors = new List<string>();

        var result = VariableInterpolation.Expand(text, Lookup, errors);

        errors.Should().BeEmpty();
        result.Should().Be(expected);
    }

    [Theory]
    [InlineData("${MISSING}", "environment variable 'MISSING' is not set; set it, or give a default with ${MISSING:-default}")]
    [InlineData("${HOST", "'${' is not closed with '}'")]
    [InlineData("${}", "'${}' is not a variable reference")]
    [InlineData("${1X}", "'${1X}' is not a variable reference")]
    [InlineData("${A-B}", "'${A-B}' is not a variable reference")]
    public void Expand_InvalidReference_ReturnsNullWithAnError(string text, string error)
    {
        var errors = new List<string>();

        var result = VariableInterpolation.Expand(text, Lookup, errors);

        result.Should().BeNull();
        errors.Should().ContainSingle().Which.Should().StartWith(error);
    }

    [Fact]
    public void Expand_TwoMissingVariables_ReportsBoth()
    {
        var errors = new List<string>();

        VariableInterpolation.Expand("${A}/${B}", Lookup, errors).Should().BeNull();

        errors.Should().HaveCount(2);
        errors[0].Should().Contain("'A'");
        errors[1].Should().Contain("'B'");
    }

    [Fact]
    public void Load_VariablesInValues_AreExpandedBeforeTypesAreChecked()
    {
        const string yaml = """
            storage:
              local: { type: local, path: "${BACKUP_ROOT:-/backups}/${HOST}" }
            jobs:
              nightly:
                schedule: ${SCHEDULE}
                compression_level: ${LEVEL}
                sources:
                  - volume: ${VOLUME:-data}
                    exclude: ["$$RECYCLE.BIN"]
            """;
        var env = FakePolicyEnvironment.Create(new Dictionary<string, string>
        {
            ["HOST"] = "web1",
            ["SCHEDULE"] = "0 3 * * *",
            ["LEVEL"] = "9",
        });

        var policy = PolicyTestHelpers.Load(yaml, env);

        policy.Storage["local"].Should().BeOfType<LocalStorageOptions>().Which.Path.Should().Be("/backups/web1");
        var job = policy.Jobs[0];
        job.Schedule!.Expression.Should().Be("0 3 * * *");
        job.CompressionLevel.Should().Be(9);
        var volume = job.Sources[0].Should().BeOfType<VolumeSource>().Which;
        volume.Volume.Should().Be("data");
        volume.Exclude.Should().Equal("$RECYCLE.BIN");
    }

    [Fact]
    public void Load_VariablesInKeys_AreNotExpanded()
    {
        var yaml = PolicyTestHelpers.Minimal.Replace("nightly:", "${JOB}:", StringComparison.Ordinal);
        var env = FakePolicyEnvironment.Create(new Dictionary<string, string> { ["JOB"] = "nightly" });

        var failure = PolicyTestHelpers.LoadFailure(yaml, env);

        failure.Problems.Should().ContainSingle().Which.Message.Should().Contain("'${JOB}' is not a valid job name");
    }

    [Fact]
    public void Load_MissingVariable_IsReportedAtTheValueWithItsPath()
    {
        var yaml = PolicyTestHelpers.WithSources("- postgres: db\n  user: ${PG_USER}");
        var (line, column) = PolicyTestHelpers.PositionOf(yaml, "${PG_USER}");

        var problem = PolicyTestHelpers.LoadFailure(yaml).Problems.Should().ContainSingle().Which;

        problem.Should().Be(new PolicyProblem(line, column, "jobs.nightly.sources[0].user", "environment variable 'PG_USER' is not set; set it, or give a default with ${PG_USER:-default}"));
    }

    private static string? Lookup(string name) => Variables.GetValueOrDefault(name);
}

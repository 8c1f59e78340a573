using VolumeAgent.Policy;
using VolumeAgent.Storage.S3;
using VolumeAgent.Policy.Reading;
using VolumeAgent.Sources.Mysql;
using VolumeAgent.Sources.Postgres;

namespace VolumeAgent.Tests.Policy;

public sealed class SecretTests
{
    private const string InlineSecret = "inline-Pa55-word";
    private const string VariableSecret = "variable-S3cret";
    private const string FileSecret = "file-T0ken";
    private const string S3FileSecret = "s3-file-K3y";

    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        new Dictionary<string, string> { ["S3_SECRET"] = VariableSecret },
        new Dictionary<string, string>
        {
            ["/run/secrets/pg"] = FileSecret + "\n",
            ["/run/secrets/s3_access"] = S3FileSecret + "\r\n",
            ["/run/secrets/two_newlines"] = "abc\n\n",
            ["/run/secrets/no_newline"] = "abc",
        });

    private static readonly string[] AllSecrets = [InlineSecret, VariableSecret, FileSecret, S3FileSecret];

    private const string Yaml = $$"""
        storage:
          offsite:
            type: s3
            bucket: b
            access_key_file: /run/secrets/s3_access
            secret_key: ${S3_SECRET}
        jobs:
          nightly:
            sources:
              - postgres: db
                password_file: /run/secrets/pg
              - mysql: legacy
                password: {{InlineSecret}}
        """;

    [Fact]
    public void Secret_ToString_HidesTheValueWhichRevealReturns()
    {
        var secret = new Secret("hunter2");

        secret.ToString().Should().Be("***");
        $"password={secret}".Should().Be("password=***");
        secret.Reveal().Should().Be("hunter2");
    }

    [Fact]
    public void Load_SecretsFromInlineVariableAndFiles_AreRevealedUnchangedButOneTrailingNewline()
    {
        var policy = PolicyTestHelpers.Load(Yaml, Env);

        var s3 = (S3StorageOptions)policy.Storage["offsite"];
        s3.AccessKey.Reveal().Should().Be(S3FileSecret, "a trailing CRLF is dropped");
        s3.SecretKey.Reveal().Should().Be(VariableSecret);
        ((PostgresSource)policy.Jobs[0].Sources[0]).Password!.Reveal().Should().Be(FileSecret, "a trailing LF is dropped");
        ((MysqlSource)policy.Jobs[0].Sources[1]).Password!.Reveal().Should().Be(InlineSecret);
    }

    [Theory]
    [InlineData("/run/secrets/two_newlines", "abc\n")]
    [InlineData("/run/secrets/no_newline", "abc")]
    public void Load_SecretFile_DropsOnlyOneTrailingNewline(string file, string expected)
    {
        var yaml = PolicyTestHelpers.WithSources($"- mysql: db\n  password_file: {file}");

        var policy = PolicyTestHelpers.Load(yaml, Env);

        ((MysqlSource)policy.Jobs[0].Sources[0]).Password!.Reveal().Should().Be(expected);
    }

    [Fact]
    public void ToString_OfPolicyJobsSourcesAndStorage_NeverShowsASecret()
    {
        var policy = PolicyTestHelpers.Load(Yaml, Env);
        var texts = new List<string> { policy.ToString(), policy.Describe() };
        texts.AddRange(policy.Storage.Values.Select(s => s.ToString()));
        texts.AddRange(policy.Jobs.Select(j => j.ToString()));
        texts.AddRange(policy.Jobs.SelectMany(j => j.Sources).Select(s => s.ToString()));

        foreach (var text in texts)
        {
            foreach (var secret in AllSecrets)
            {
                text.Should().NotContain(secret);
            }
        }

        policy.Storage["offsite"].ToString().Should().Contain("AccessKey = ***", "the record prints the secret's placeholder");
        policy.Jobs[0].Sources[1].ToString().Should().Contain("Password = ***");
    }

    [Fact]
    public void PolicyException_FromAFileWithSecretsAndMistakes_NeverShowsASecret()
    {
        // Every secret is valid, but each sits next to a mistake in the same mapping.
        var yaml = Yaml
            .Replace("bucket: b", "bucket: b\n    path_style: perhaps", StringComparison.Ordinal)
            .Replace("password_file: /run/secrets/pg", "password_file: /run/secrets/pg\n        format: dump", StringComparison.Ordinal)
            .Replace($"password: {InlineSecret}", $"password: {InlineSecret}\n        databases: [a, a]", StringComparison.Ordinal);

        var failure = PolicyTestHelpers.LoadFailure(yaml, Env);

        failure.Problems.Should().HaveCount(3);
        foreach (var secret in AllSecrets)
        {
            failure.Message.Should().NotContain(secret);
            failure.ToString().Should().NotContain(secret);
        }
    }

    [Fact]
    public void PolicyException_SecretGivenTwice_NamesBothKeysButNoValue()
    {
        var yaml = PolicyTestHelpers.WithSources($"- postgres: db\n  password: {InlineSecret}\n  password_file: /run/secrets/pg");

        var failure = PolicyTestHelpers.LoadFailure(yaml, Env);

        failure.Problems.Should().ContainSingle().Which.Message.Should().Be("set either 'password' or 'password_file', not both");
        failure.Message.Should().NotContain(InlineSecret).And.NotContain(FileSecret);
    }

    [Fact]
    public void Load_UnreadableSecretFile_NamesTheKeyAndTheFile()
    {
        var env = new PolicyEnvironment
        {
            GetVariable = _ => null,
            ReadFile = path => throw new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
        };
        var yaml = PolicyTestHelpers.WithSources("- postgres: db\n  password_file: /run/secrets/locked");

        var problem = PolicyTestHelpers.LoadFailure(yaml, env).Problems.Should().ContainSingle().Which;

        problem.Path.Should().Be("jobs.nightly.sources[0].password_file");
        problem.Message.Should().Be("cannot read the password from '/run/secrets/locked': Access to the path '/run/secrets/locked' is denied. Make it readable by the user the agent runs as.");
    }

    [Fact]
    public void Load_S3KeysFromFiles_ReadsBothTwins()
    {
        const string yaml = """
            storage:
              s3: { type: s3, bucket: b, access_key_file: /run/secrets/s3_access, secret_key_file: /run/secrets/pg }
            jobs:
              j:
                sources: [{ volume: data }]
            """;

        var s3 = (S3StorageOptions)PolicyTestHelpers.Load(yaml, Env).Storage["s3"];

        s3.AccessKey.Reveal().Should().Be(S3FileSecret);
        s3.SecretKey.Reveal().Should().Be(FileSecret);
    }
}

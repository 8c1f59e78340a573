using VolumeAgent.Policy.Reading;
using VolumeAgent.Storage.S3;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Storage.S3;

/// <summary>The s3 storage's keys: the standard AWS variables as the keys' fallback, and the part settings' ranges.</summary>
public sealed class S3StorageProviderTests
{
    private const string WithoutKeys = """
        storage:
          offsite: { type: s3, endpoint: "http://127.0.0.1:9000", bucket: b, path_style: true }
        jobs:
          j:
            sources: [{ volume: data }]
        """;

    [Fact]
    public void Read_NoKeysInTheFile_TakesTheStandardAwsVariablesWithTheSessionToken()
    {
        var env = Environment(new() { ["AWS_ACCESS_KEY_ID"] = "AKIAFROMENV", ["AWS_SECRET_ACCESS_KEY"] = "env-secret", ["AWS_SESSION_TOKEN"] = "env-token" });

        var s3 = (S3StorageOptions)PolicyTestHelpers.Load(WithoutKeys, env).Storage["offsite"];

        s3.AccessKey.Reveal().Should().Be("AKIAFROMENV");
        s3.SecretKey.Reveal().Should().Be("env-secret");
        s3.SessionToken!.Reveal().Should().Be("env-token");
        s3.PartSizeMiB.Should().Be(16);
        s3.PartsInFlight.Should().Be(2);
    }

    [Fact]
    public void Read_KeysInTheFile_WinOverTheVariables_AndNoSessionTokenIsTaken()
    {
        var env = Environment(new() { ["AWS_ACCESS_KEY_ID"] = "AKIAFROMENV", ["AWS_SECRET_ACCESS_KEY"] = "env-secret", ["AWS_SESSION_TOKEN"] = "env-token" });

        var s3 = (S3StorageOptions)PolicyTestHelpers.Load(
            WithoutKeys.Replace("path_style: true", "path_style: true, access_key: a, secret_key: s, part_size: 64, parts_in_flight: 1", StringComparison.Ordinal), env)
            .Storage["offsite"];

        s3.AccessKey.Reveal().Should().Be("a");
        s3.SecretKey.Reveal().Should().Be("s");
        s3.SessionToken.Should().BeNull();
        s3.PartSizeMiB.Should().Be(64);
        s3.PartsInFlight.Should().Be(1);
    }

    [Fact]
    public void Read_NoKeysAnywhere_SaysWhereTheyMayComeFrom()
    {
        var failure = PolicyTestHelpers.LoadFailure(WithoutKeys, Environment([]));

        failure.Message.Should().Contain("storage.offsite.access_key").And.Contain("set 'access_key' or 'access_key_file', or AWS_ACCESS_KEY_ID in the agent's environment")
            .And.Contain("or AWS_SECRET_ACCESS_KEY in the agent's environment");
    }

    [Theory]
    [InlineData("part_size: 4")]
    [InlineData("part_size: 65")]
    [InlineData("parts_in_flight: 0")]
    [InlineData("parts_in_flight: 9")]
    public void Read_PartSettingOutOfRange_IsAProblem(string setting)
    {
        var yaml = WithoutKeys.Replace("path_style: true", "path_style: true, access_key: a, secret_key: s, " + setting, StringComparison.Ordinal);

        var failure = PolicyTestHelpers.LoadFailure(yaml, Environment([]));

        failure.Message.Should().Contain("storage.offsite." + setting.Split(':')[0]);
    }

    private static PolicyEnvironment Environment(Dictionary<string, string> variables) =>
        new() { GetVariable = name => variables.GetValueOrDefault(name) };
}

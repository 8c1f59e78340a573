using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests;

/// <summary><c>volume-agent engine</c> as a user runs it: against the engine, and against a socket that is not there.</summary>
[Collection(DockerTests.Name)]
public sealed class EngineCommandTests
{
    private readonly DockerFixture _docker;

    public EngineCommandTests(DockerFixture docker) => _docker = docker;

    [Fact]
    public async Task Engine_LocalEngine_PrintsEngineAndApiVersions()
    {
        var version = await _docker.Client.System.GetVersionAsync(CancellationToken.None);

        var result = await AgentCli.RunAsync(["engine"], CancellationToken.None, TimeSpan.FromMinutes(1));

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain($"engine version:  {version.Version}")
            .And.Contain($"engine API:      {version.APIVersion}")
            .And.Contain("API in use:      1.41")
            .And.Contain("os/arch:         linux/");
    }

    [Fact]
    public async Task Engine_MissingSocket_ExitsNonZeroNamingTheSocketAndTheFix()
    {
        var socket = $"/tmp/no-engine-{_docker.TestRunId}.sock";

        var result = await AgentCli.RunAsync(
            ["engine"], CancellationToken.None, TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{socket}" });

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stderr.Should().Contain($"Docker engine unreachable at unix://{socket}")
            .And.Contain($"there is no socket at {socket}")
            .And.Contain("DOCKER_HOST");
    }

    [Theory]
    [InlineData("run-now", "--no-daemon")]
    [InlineData("daemon", null)]
    public async Task AnyCommand_UnusableDockerHost_IsAConfigurationErrorSayingTheForms(string command, string? argument)
    {
        var config = Path.Combine(Path.GetTempPath(), $"va-dockerhost-{_docker.TestRunId}-{command}.yml");
        await File.WriteAllTextAsync(config, "storage:\n  local: { type: local, path: /tmp/va-dockerhost-store }\njobs:\n  j:\n    sources:\n      - volume: v\n");
        try
        {
            string[] arguments = argument is null ? [command, "-c", config] : [command, argument, "-c", config];
            var result = await AgentCli.RunAsync(
                arguments, CancellationToken.None, TimeSpan.FromMinutes(1), new Dictionary<string, string> { ["DOCKER_HOST"] = "ftp://engine.example" });

            result.ExitCode.Should().Be(2, result.ToString());
            result.Stderr.Should().Contain("DOCKER_HOST 'ftp://engine.example' is not supported: use unix://").And.NotContain("   at ");
        }
        finally
        {
            File.Delete(config);
        }
    }
}

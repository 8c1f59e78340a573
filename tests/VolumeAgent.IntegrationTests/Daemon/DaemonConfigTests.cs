using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>The image's default command refuses a broken backup.yml before touching anything, listing every problem.</summary>
[Collection(DockerTests.Name)]
public sealed class DaemonConfigTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(15);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public DaemonConfigTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task Daemon_BrokenBackupYml_ExitsWith2ListingEveryProblem()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await AgentImage.EnsureBuiltAsync(timeout.Token);
        const string Broken = """
            timezone: Mars/Olympus_Mons
            storage:
              local: { type: local, path: /backups }
            jobs:
              nightly:
                shedule: "0 2 * * *"
                storage: [locl]
                compression: lzma
                sources:
                  - volume: data
            """;

        await using var agent = await AgentContainer.StartAsync(_docker, Broken, timeout.Token, detach: false);
        _output.WriteLine(agent.Started.ToString());

        agent.Started.ExitCode.Should().Be(2, agent.Started.ToString());
        agent.Started.Stderr.Should().Contain("backup.yml has 4 problem(s):");
        var problems = CommandLine.Lines(agent.Started.Stderr).Where(l => l.StartsWith("/etc/volume-agent/backup.yml:", StringComparison.Ordinal)).ToList();
        problems.Should().HaveCount(4);
        problems[0].Should().Contain(":1:").And.Contain("Mars/Olympus_Mons");
        problems[1].Should().Contain("jobs.nightly.shedule").And.Contain("did you mean 'schedule'");
        problems[2].Should().Contain("jobs.nightly.storage[0]").And.Contain("locl");
        problems[3].Should().Contain("jobs.nightly.compression").And.Contain("lzma");
        agent.Started.Stdout.Should().NotContain("daemon starting", "nothing starts with a broken file");
    }
}

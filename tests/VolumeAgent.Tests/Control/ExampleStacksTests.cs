using VolumeAgent.Policy;
using VolumeAgent.Scheduling;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Control;

/// <summary>The backup.yml of each example stack loads with the variables its compose file gives the agent.</summary>
public sealed class ExampleStacksTests
{
    [Theory]
    [InlineData("postgres-app", "nightly", 2)]
    [InlineData("mariadb-app", "nightly", 2)]
    [InlineData("volumes", "half-hourly", 3)]
    [InlineData("socket-proxy", "nightly", 2)]
    public void Load_ExampleBackupYml_HasItsScheduledJob(string example, string job, int sources)
    {
        var path = Path.Combine(RepositoryRoot.Find(), "examples", example, "backup.yml");
        var env = FakePolicyEnvironment.Create(new Dictionary<string, string>
        {
            ["STACK"] = example,
            ["HELPER_IMAGE"] = "alpine:3.20",
            ["CONFIG_DIR"] = "/srv/example/config",
        });

        var policy = PolicyLoader.LoadFile(path, env);

        policy.Jobs.Should().ContainSingle().Which.Name.Should().Be(job);
        policy.Jobs[0].Sources.Should().HaveCount(sources);
        PolicySchedules.Backups(policy).Should().ContainSingle();
    }

    [Fact]
    public void Volumes_Example_RunsEveryThirtyMinutes()
    {
        var path = Path.Combine(RepositoryRoot.Find(), "examples", "volumes", "backup.yml");
        var env = FakePolicyEnvironment.Create(new Dictionary<string, string> { ["STACK"] = "v", ["CONFIG_DIR"] = "/srv/c" });
        var schedule = PolicySchedules.Backups(PolicyLoader.LoadFile(path, env))[0].Schedule;
        var from = new DateTimeOffset(2026, 3, 29, 10, 7, 0, TimeSpan.Zero);

        schedule.NextAfter(from).Should().Be(new DateTimeOffset(2026, 3, 29, 10, 30, 0, TimeSpan.Zero));
        schedule.NextAfter(from.AddMinutes(23)).Should().Be(new DateTimeOffset(2026, 3, 29, 11, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void HttpTrigger_Example_ListensWithTheSecretTokenAndHasAnOnDemandJob()
    {
        var path = Path.Combine(RepositoryRoot.Find(), "examples", "http-trigger", "backup.yml");
        var env = FakePolicyEnvironment.Create(
            new Dictionary<string, string> { ["STACK"] = "h" },
            new Dictionary<string, string> { ["/run/secrets/volume_agent_token"] = "0123456789abcdef0123456789abcdef\n" });

        var policy = PolicyLoader.LoadFile(path, env);

        policy.Http!.Listen.ToString().Should().Be("0.0.0.0:8080");
        policy.Http.MetricsPublic.Should().BeTrue();
        policy.FindJob("gallery-events")!.Schedule.Should().BeNull("it runs only when asked");
        PolicySchedules.Backups(policy).Should().ContainSingle().Which.JobName.Should().Be("nightly");
    }
}

using System.Globalization;
using System.Text.Json;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// The image's executable is the NativeAOT publish (no .NET runtime in the image), and it computes a schedule in
/// an IANA time zone (the image's tzdata) and formats its output (invariant culture, whatever the locale says)
/// exactly as the JIT build on the host does.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class NativeBinaryTests
{
    private const string Zone = "Pacific/Chatham";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(15);

    // A locale and a local time zone that would show if either build used them instead of the invariant culture
    // and the job's zone.
    private static readonly Dictionary<string, string> Locale = new(StringComparer.Ordinal)
    {
        ["LANG"] = "de_DE.UTF-8",
        ["LC_ALL"] = "de_DE.UTF-8",
        ["TZ"] = "America/New_York",
    };

    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public NativeBinaryTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task Image_HoldsTheNativeExecutableAlone_NoRuntime()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await AgentImage.EnsureBuiltAsync(timeout.Token);

        var listing = await RunInImageAsync([], timeout.Token, "sh", "-c",
            "ls -A /opt/volume-agent; find / -xdev \\( -name 'libcoreclr.so' -o -name 'System.Private.CoreLib.dll' -o -name '*.dll' \\) -print");
        var version = await RunInImageAsync([], timeout.Token, "volume-agent", "version");

        listing.ExitCode.Should().Be(0, listing.ToString());
        listing.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().Equal(
            ["volume-agent"], "the image carries one native executable, no runtime and no assemblies");
        version.ExitCode.Should().Be(0, version.ToString());
        version.Stdout.Should().StartWith("volume-agent ");
    }

    [Fact]
    public async Task Status_ScheduleInAQuarterHourZoneUnderAnotherLocale_NativeAndJitAgreeOnTheNextRun()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await AgentImage.EnsureBuiltAsync(ct);
        var directory = Directory.CreateTempSubdirectory("va-native-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "backups"));
            var hostConfig = Path.Combine(directory, "host.yml");
            var imageConfig = Path.Combine(directory, "image.yml");
            await File.WriteAllTextAsync(hostConfig, Config(Path.Combine(directory, "state"), Path.Combine(directory, "backups")), ct);
            await File.WriteAllTextAsync(imageConfig, Config("/var/lib/volume-agent", "/backups"), ct);
            var hostEnvironment = new Dictionary<string, string>(Locale, StringComparer.Ordinal)
            {
                // No daemon of another configuration on this host answers for it.
                ["VOLUME_AGENT_CONTROL"] = Path.Combine(directory, "control.sock"),
            };
            string[] mounts = ["-v", $"{imageConfig}:/etc/volume-agent/backup.yml:ro", "-v", $"{Path.Combine(directory, "backups")}:/backups"];

            var jitJson = await AgentCli.RunAsync(["status", "--json", "--config", hostConfig], ct, environment: hostEnvironment);
            var nativeJson = await RunInImageAsync(mounts, ct, "volume-agent", "status", "--json");
            var jitText = await AgentCli.RunAsync(["status", "--config", hostConfig], ct, environment: hostEnvironment);
            var nativeText = await RunInImageAsync(mounts, ct, "volume-agent", "status");
            _output.WriteLine($"JIT: {jitJson}\nnative: {nativeJson}\nJIT: {jitText}\nnative: {nativeText}");

            // Feb 29, 02:30 in Chatham (+13:45 in its summer): the next one is years away, the same for both runs.
            var expected = NextLeapDayAt0230();
            jitJson.ExitCode.Should().Be(0, jitJson.ToString());
            nativeJson.ExitCode.Should().Be(0, nativeJson.ToString());
            NextRun(nativeJson.Stdout).Should().Be(NextRun(jitJson.Stdout)).And.Be(expected);
            jitText.ExitCode.Should().Be(0, jitText.ToString());
            nativeText.ExitCode.Should().Be(0, nativeText.ToString());
            nativeText.Stdout.Should().Be(jitText.Stdout, "the text table is formatted with the invariant culture in both builds");
            nativeText.Stdout.Should().Contain(TimeZoneInfo.ConvertTime(expected, TimeZoneInfo.FindSystemTimeZoneById(Zone))
                .ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).And.Contain($"Times are in {Zone}.");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Config(string stateDir, string backups) => $$"""
        timezone: {{Zone}}
        state_dir: {{stateDir}}
        storage:
          local: { type: local, path: {{backups}} }
        jobs:
          leap:
            schedule: "30 2 29 2 *"
            storage: [local]
            sources:
              - volume: va-test-native-unused
        """;

    private static DateTimeOffset NextLeapDayAt0230()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone);
        var now = DateTimeOffset.UtcNow;
        for (var year = now.Year; ; year++)
        {
            if (DateTime.IsLeapYear(year))
            {
                var utc = TimeZoneInfo.ConvertTimeToUtc(new DateTime(year, 2, 29, 2, 30, 0, DateTimeKind.Unspecified), zone);
                if (utc > now)
                {
                    return new DateTimeOffset(utc, TimeSpan.Zero);
                }
            }
        }
    }

    private static DateTimeOffset NextRun(string statusJson)
    {
        using var document = JsonDocument.Parse(statusJson);
        var job = document.RootElement.GetProperty("jobs").EnumerateArray().Single();
        job.GetProperty("job").GetString().Should().Be("leap");
        return job.GetProperty("next_run").GetDateTimeOffset();
    }

    private async Task<ProcessResult> RunInImageAsync(string[] extraArguments, CancellationToken cancellationToken, params string[] command)
    {
        var arguments = new List<string> { "run", "--rm", "--network", "none" };
        foreach (var (key, value) in _docker.Labels)
        {
            arguments.AddRange(["--label", $"{key}={value}"]);
        }

        foreach (var (key, value) in Locale)
        {
            arguments.AddRange(["-e", $"{key}={value}"]);
        }

        arguments.AddRange([.. extraArguments, AgentImage.Tag, .. command]);
        return await CommandLine.DockerAsync(cancellationToken, [.. arguments]);
    }
}

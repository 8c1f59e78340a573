using System.Globalization;
using Docker.DotNet.Models;
using Serilog;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.Manifest;
using VolumeAgent.Policy;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Safety;

/// <summary>
/// Twelve runs of one job at fake-clock times across three ISO weeks, two of them failing, with retention
/// applied after each successful run: exactly the sets the rules name are left on disk.
/// </summary>
[Collection(DockerTests.Faults)]
public sealed class RetentionEndToEndTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public RetentionEndToEndTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task TwelveRunsWithTwoFailures_RetentionLeavesExactlyTheExpectedSets()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var steady = await scope.CreateVolumeAsync("steady", cts.Token);
        var flaky = _docker.UniqueName("flaky");
        var job = workspace.Job("retention");
        var policy = PolicyLoader.Load(
            workspace.Header + $"""
                timezone: UTC
                jobs:
                  {job}:
                    retention: {"{"} keep_daily: 3, keep_weekly: 3 {"}"}
                    sources:
                      - volume: {steady}
                      - volume: {flaky}
                """,
            "backup.yml");
        var clock = new SettableTimeProvider();
        var log = new LoggerConfiguration().CreateLogger();
        await using var session = await AgentSession.OpenAsync(policy, log, clock, cts.Token);

        // (time, fails): ISO week 10 is 2–8 March 2026, week 11 9–15, week 12 16–22.
        (string At, bool Fails)[] runs =
        [
            ("2026-03-02T02:00:00Z", false), ("2026-03-03T02:00:00Z", false), ("2026-03-04T02:00:00Z", true),
            ("2026-03-05T02:00:00Z", false), ("2026-03-09T02:00:00Z", false), ("2026-03-10T02:00:00Z", false),
            ("2026-03-11T02:00:00Z", false), ("2026-03-16T02:00:00Z", false), ("2026-03-17T02:00:00Z", true),
            ("2026-03-18T02:00:00Z", false), ("2026-03-18T14:00:00Z", false), ("2026-03-19T02:00:00Z", false),
        ];
        try
        {
            foreach (var (at, fails) in runs)
            {
                if (fails)
                {
                    await _docker.Client.RemoveVolumeForcedAsync(flaky, cts.Token);
                }
                else if (await _docker.Client.TryInspectVolumeAsync(flaky, cts.Token) is null)
                {
                    await _docker.Client.Volumes.CreateAsync(new VolumesCreateParameters { Name = flaky, Labels = _docker.LabelsWith() }, cts.Token);
                }

                clock.Now = DateTimeOffset.Parse(at, CultureInfo.InvariantCulture);
                var result = await session.Runner.RunAsync(policy.Jobs[0], ManifestTrigger.Schedule, null, cts.Token);
                result.Succeeded.Should().Be(!fails, $"the run at {at} {(fails ? "lacks a volume" : "has all its sources")}: {result.Error}");
            }
        }
        finally
        {
            await _docker.Client.RemoveVolumeForcedAsync(flaky, CancellationToken.None);
        }

        // daily 3: 19th, 18th (14:00, the newest of that day), 16th (the 17th only failed);
        // weekly 3: week 12 (19th), week 11 (11th), week 10 (5th). The two failed sets are older than
        // the newest successful one, so they went too.
        var left = workspace.SetDirectories(job).Select(d => Path.GetFileName(d)[..16]).ToList();
        left.Should().Equal("20260305T020000Z", "20260311T020000Z", "20260316T020000Z", "20260318T140000Z", "20260319T020000Z");
    }

    private sealed class SettableTimeProvider : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

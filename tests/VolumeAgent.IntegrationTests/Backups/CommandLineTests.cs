using System.Globalization;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>`validate`, `run-now JOB` and `list` as a person meets them: exit codes, every problem located, a readable listing.</summary>
[Collection(DockerTests.Databases)]
public sealed partial class CommandLineTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);

    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public CommandLineTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task Validate_FileWithTwelveMistakes_ExitsTwoAndReportsEachWithLineAndColumn()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var yaml = $"""
            timezone: Mars/Olympus
            state_dir: relative/state
            storage:
              local: {"{"} type: local, path: {workspace.StorePath} {"}"}
            jobs:
              nightly:
                shedule: "0 2 * * *"
                jitter: 5 minutes
                storage: [offsite]
                compression: brotli
                retention:
                  keep_last: many
                sources:
                  - volume: data
                  - postgres: db
                    password: x
                    password_file: /run/secrets/pg
              hourly:
                schedule: "61 * * * *"
                schedule: "@daily"
              weekly:
                sources: []

            """;
        // Each mistake: the text of its line, the token the position points at, the key path, part of the message.
        (string Line, string Token, string Key, string Message)[] mistakes =
        [
            ("timezone: Mars/Olympus", "Mars", "timezone", "unknown time zone"),
            ("state_dir: relative/state", "relative", "state_dir", "absolute path"),
            ("shedule: \"0 2 * * *\"", "shedule", "jobs.nightly.shedule", "unknown key 'shedule'; did you mean 'schedule'?"),
            ("jitter: 5 minutes", "5 minutes", "jobs.nightly.jitter", "not a duration"),
            ("storage: [offsite]", "offsite", "jobs.nightly.storage[0]", "storage 'offsite' is not defined"),
            ("compression: brotli", "brotli", "jobs.nightly.compression", "'brotli' is not allowed"),
            ("keep_last: many", "many", "jobs.nightly.retention.keep_last", "expected a whole number"),
            ("password_file: /run/secrets/pg", "password_file", "jobs.nightly.sources[1].password_file", "either 'password' or 'password_file', not both"),
            ("schedule: \"61 * * * *\"", "\"61", "jobs.hourly.schedule", "invalid minute field"),
            ("schedule: \"@daily\"", "schedule", "jobs.hourly.schedule", "duplicate key 'schedule'"),
            ("hourly:", "hourly", "jobs.hourly.sources", "is required"),
            ("sources: []", "[]", "jobs.weekly.sources", "at least one source"),
        ];
        var path = workspace.WriteWholeConfig(yaml);

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Output.Should().Contain($"has {mistakes.Length} problem(s)");
        var reported = ProblemLine().Matches(result.Output).Select(m => m.Value.Trim()).ToList();
        reported.Should().HaveCount(mistakes.Length, "every problem is reported, once, with its line and column");
        var lines = yaml.Split('\n');
        foreach (var (text, token, key, message) in mistakes)
        {
            var line = Array.FindIndex(lines, l => l.Trim() == text);
            line.Should().BeGreaterThanOrEqualTo(0, $"the file has a line '{text}'");
            var column = lines[line].IndexOf(token, StringComparison.Ordinal) + 1;
            var position = string.Create(CultureInfo.InvariantCulture, $"{path}:{line + 1}:{column} {key}: ");
            reported.Should().ContainSingle(r => r.StartsWith(position, StringComparison.Ordinal) && r.Contains(message, StringComparison.Ordinal), $"'{text}' is a mistake at {position}");
        }
    }

    [Fact]
    public async Task Validate_ValidFile_ExitsZeroWithSummaryOfJobsAndSources()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        workspace.WriteConfig("""
            jobs:
              nightly:
                schedule: "0 2 * * *"
                retention: { keep_last: 3 }
                sources:
                  - volume: app_data
                    exclude: ["cache/*"]
                  - postgres: db
                    databases: [app]
              adhoc:
                compression: none
                sources:
                  - mysql: legacy
            """);

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain($"{workspace.ConfigPath} is valid.")
            .And.Contain("jobs (2):").And.Contain("nightly").And.Contain("adhoc")
            .And.Contain("0 2 * * *").And.Contain("volume-app_data").And.Contain("postgres-db").And.Contain("mysql-legacy")
            .And.Contain(workspace.StorePath);
        result.Stderr.Should().BeEmpty();
    }

    [Fact]
    public async Task Validate_S3Storage_IsValidAndDescribed()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        workspace.WriteWholeConfig($"""
            storage:
              local: {"{"} type: local, path: {workspace.StorePath} {"}"}
              offsite: {"{"} type: s3, bucket: shop, access_key: a, secret_key: s {"}"}
            jobs:
              nightly:
                storage: [local, offsite]
                sources:
                  - volume: app_data
            """);

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain("s3 bucket shop at AWS, region us-east-1").And.Contain("is valid.");
    }

    [Fact]
    public async Task Validate_DirectoryGivenAsTheConfig_SaysItIsADirectoryNotThatAccessIsDenied()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);

        var result = await AgentCli.RunAsync(["validate", "-c", workspace.Root], cts.Token);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain($"{workspace.Root} is a directory, not a file; expected a backup.yml file.")
            .And.Contain(Path.Combine(workspace.Root, "backup.yml")).And.NotContain("denied");
    }

    [Fact]
    public async Task RunNow_UnknownJob_ExitsTwoNamingTheJobsThatExist()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        workspace.WriteConfig("""
            jobs:
              nightly:
                sources:
                  - volume: app_data
              weekly:
                sources:
                  - volume: app_data
            """);

        var result = await workspace.RunAsync(cts.Token, "run-now", "nosuchjob");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Output.Should().Contain("'nosuchjob'").And.Contain("Jobs: nightly, weekly");
        Directory.EnumerateFileSystemEntries(workspace.StorePath).Should().BeEmpty("nothing runs when the command line is wrong");
    }

    [Fact]
    public async Task List_AfterSuccessfulAndFailedRun_ShowsBothSetsWithStatusSizeAndArtifactCount()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("list", cts.Token);
        await scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "head -c 300000 /dev/urandom > /data/file"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", Mounts = [new Mount { Type = "volume", Source = volume, Target = "/data" }] },
            },
            cts.Token);
        var job = workspace.Job("list");
        var missing = _docker.UniqueName("missing");
        var good = await FailureChecks.MakeEarlierSetAsync(workspace, job, $"""
            jobs:
              {job}:
                sources:
                  - volume: {volume}
            """, cts.Token);
        workspace.WriteConfig($"""
            jobs:
              {job}:
                sources:
                  - volume: {volume}
                  - volume: {missing}
            """);
        var failedRun = await workspace.RunAsync(cts.Token, "run-now", job);
        failedRun.ExitCode.Should().Be(1, failedRun.ToString());
        failedRun.Output.Should().Contain($"Volume '{missing}' does not exist");
        var failed = await FailureChecks.FailedSetAsync(workspace, job, good, cts.Token);

        var result = await workspace.RunAsync(cts.Token, "list", job);

        result.ExitCode.Should().Be(0, result.ToString());
        var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => Columns().Split(l.Trim())).ToList();
        rows[0].Should().Equal("STORAGE", "JOB", "SET", "STARTED", "STATUS", "SIZE", "ARTIFACTS", "VERIFIED");
        rows.Should().HaveCount(3, "one row per set (never verified: the VERIFIED column is empty)");
        rows[1].Should().Equal(await ExpectedRowAsync(workspace, job, good.Path, "succeeded", 1, cts.Token));
        rows[2].Should().Equal(await ExpectedRowAsync(workspace, job, failed.Path, "failed", 2, cts.Token));
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    /// <summary>What `list` should print for a set: its start in UTC (the default zone), its status, the size of all its files, its artifacts.</summary>
    private static async Task<string[]> ExpectedRowAsync(AgentWorkspace workspace, string job, string setPath, string status, int artifacts, CancellationToken cancellationToken)
    {
        var set = await BackupSet.ReadAsync(setPath, cancellationToken);
        set.Artifacts.Should().HaveCount(artifacts);
        var started = set.Manifest.GetProperty("started_at").GetDateTimeOffset();
        var bytes = Directory.EnumerateFiles(setPath).Sum(f => new FileInfo(f).Length);
        return
        [
            AgentWorkspace.StorageName,
            job,
            set.Name,
            started.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture),
            status,
            Bytes.Format(bytes),
            artifacts.ToString(CultureInfo.InvariantCulture),
        ];
    }

    [GeneratedRegex(@"^[ \t]+\S+:\d+:\d+ \S+: .+$", RegexOptions.Multiline)]
    private static partial Regex ProblemLine();

    /// <summary>Columns are set apart by two or more spaces; a start time has single spaces inside.</summary>
    [GeneratedRegex(" {2,}")]
    private static partial Regex Columns();
}

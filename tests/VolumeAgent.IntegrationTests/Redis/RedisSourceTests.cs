using System.Text.Json;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Redis;

/// <summary>
/// The redis source end to end against real Redis 7 containers: run-now takes the snapshot, verify and its drill
/// check and load it, restore loads it into another container; and the ways each of them must refuse or fail.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class RedisSourceTests
{
    private const string Password = "source-secret";
    private static readonly int[] Databases = [0, 3];
    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public RedisSourceTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task RunNowVerifyDrillRestore_ServerWithPasswordAndTwoDatabases_LoadsEveryKeyIntoAnotherContainer()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "redis-trip");
        var source = await RedisServer.StartAsync(scope, "redis-src", ct, Password);
        await RedisServer.PopulateAsync(scope.Client, source, Password, ct);
        var original = await RedisServer.FingerprintAsync(scope.Client, source, Password, ct, Databases);
        workspace.Configure($"      - redis: {source}\n");

        var set = await workspace.BackUpAsync(ct);

        var file = $"redis-{source}.rdb.gz";
        var artifact = ReadArtifact(set, file);
        artifact.GetProperty("source_kind").GetString().Should().Be("redis");
        artifact.GetProperty("format").GetString().Should().Be("rdb");
        artifact.GetProperty("tool_version").GetString().Should().Be("Redis 7.0.15");
        artifact.GetProperty("entries").GetInt64().Should().Be(512);
        artifact.GetProperty("tree_digest").GetString().Should().Be("keyspace:db0=509/1,db3=3/0");
        var check = await HostProcess.RunAsync(
            "bash", ["-c", "set -o pipefail; gunzip -c \"$1\" | docker exec -i \"$2\" sh -c 'cat > /tmp/check.rdb && redis-check-rdb /tmp/check.rdb'", "check", Path.Combine(set, file), source], ct);
        check.ExitCode.Should().Be(0, "Redis's own checker reads the stored file as an RDB file: " + check.Stdout + check.Stderr);
        check.Stdout.Should().Contain("RDB looks OK").And.Contain("512 keys read");

        var drill = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest", "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain($"{file}: SHA-256 matches; RDB snapshot whole")
            .And.Contain($"{file}: loaded into a scratch {TestImages.Redis} server; its key counts match those recorded at the backup (db0 509 keys (1 with a TTL), db3 3 keys)");

        var target = await RedisServer.StartAsync(scope, "redis-new", ct);
        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", target, "--yes");
        restore.ExitCode.Should().Be(0, restore.ToString());
        restore.Stdout.Should().Contain($"redis container {target}: {file} loaded in").And.Contain("(db0 509 keys (1 with a TTL), db3 3 keys)");
        (await RedisServer.FingerprintAsync(scope.Client, target, null, ct, Databases)).Should().Be(original);
        original.Should().Contain("volatile string").And.Contain(" ttl").And.Contain("stream stream");

        var again = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", target, "--yes");
        again.ExitCode.Should().Be(1);
        again.Stderr.Should().Contain($"Redis container {target} is not empty (db0 509 keys (1 with a TTL), db3 3 keys)").And.Contain("--force");

        await RedisServer.CliAsync(scope.Client, target, null, ["SET", "added-after", "1"], ct);
        var forced = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--artifact", $"redis-{source}", "--to-container", target, "--force", "--yes");
        forced.ExitCode.Should().Be(0, forced.ToString());
        (await RedisServer.FingerprintAsync(scope.Client, target, null, ct, Databases)).Should().Be(original, "--force replaces the whole dataset");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task RunNowAndRestore_WrongPasswordNotRedisNotRunningOrAppendOnly_FailOrAreRefusedNamingTheCause()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "redis-refuse");
        var source = await RedisServer.StartAsync(scope, "redis-pw", ct, Password);
        await RedisServer.CliAsync(scope.Client, source, Password, ["SET", "k", "v"], ct);

        workspace.Configure($"      - redis: {source}\n        password: not-the-secret\n");
        var wrong = await workspace.RunAsync(ct, "run-now", workspace.Job);
        wrong.ExitCode.Should().Be(1, wrong.ToString());
        wrong.Stdout.Should().Contain($"The Redis server in container {source} refused the password").And.Contain("WRONGPASS");
        wrong.Output.Should().NotContain("not-the-secret");

        workspace.Configure($"      - redis: {source}\n");
        await workspace.BackUpAsync(ct);
        workspace.Configure($"      - redis: {source}\n        password: not-the-secret\n");
        var back = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--force", "--yes");
        back.ExitCode.Should().Be(1);
        back.Stderr.Should().Contain("Nothing was restored").And.Contain($"The Redis server in container {source} refused the password");

        var debian = scope.Fixture.UniqueName("redis-not");
        await scope.RunContainerAsync(
            new CreateContainerParameters { Image = TestImages.Debian, Cmd = ["sleep", "600"], Labels = scope.Fixture.LabelsWith() }, ct, debian);
        var stopped = scope.Fixture.UniqueName("redis-stopped");
        await scope.CreateContainerAsync(new CreateContainerParameters { Image = TestImages.Redis, Labels = scope.Fixture.LabelsWith() }, ct, stopped);
        var appendOnly = await RedisServer.StartAsync(scope, "redis-aof", ct, null, "--appendonly", "yes");
        workspace.Configure($"      - redis: {debian}\n      - redis: {stopped}\n");
        var notRedis = await workspace.RunAsync(ct, "run-now", workspace.Job);
        notRedis.ExitCode.Should().Be(1, notRedis.ToString());
        notRedis.Stdout.Should().Contain($"Container {debian} does not look like a Redis container: it has no redis-cli")
            .And.Contain($"Container {stopped} is not running (created)");

        workspace.Configure($"      - redis: {source}\n");
        var refusals = new Dictionary<string, string>
        {
            [debian] = $"Container {debian} does not look like a Redis container: it has no redis-cli",
            [stopped] = $"Container {stopped} is not running (created)",
            [appendOnly] = $"Redis container {appendOnly} runs with appendonly yes: it starts from its append-only file and would ignore the snapshot",
        };
        foreach (var (target, refusal) in refusals)
        {
            var refused = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", target, "--yes");
            refused.ExitCode.Should().Be(1, refused.ToString());
            refused.Stderr.Should().Contain("Nothing was restored").And.Contain(refusal);
        }

        (await RedisServer.CliAsync(scope.Client, appendOnly, null, ["DBSIZE"], ct)).Trim().Should().Be("0");
        var state = (await scope.Client.Containers.InspectContainerAsync(appendOnly, ct)).State!;
        state.Running.Should().BeTrue("a refused target is never stopped");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task Verify_SnapshotChangedWithMatchingChecksums_FailsOnItsCrc64AndIsNotRestored()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "redis-corrupt");
        var source = await RedisServer.StartAsync(scope, "redis-corrupt", ct);
        await RedisServer.CliAsync(scope.Client, source, null, [], ct, "SET a 1\nSET b 2\nRPUSH l x y z\n");
        workspace.Configure($"      - redis: {source}\n");
        var set = await workspace.BackUpAsync(ct);
        var file = $"redis-{source}.rdb.gz";
        var raw = SetForgery.Gunzip(await File.ReadAllBytesAsync(Path.Combine(set, file), ct));
        raw[raw.Length / 2] ^= 0x20;
        await SetForgery.ReplaceAsync(set, file, SetForgery.Gzip(raw), raw.Length, ct);

        var verify = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest");

        verify.ExitCode.Should().Be(1, verify.ToString());
        verify.Output.Should().Contain($"{file}: its CRC-64 is").And.Contain("so the snapshot is damaged");
        var target = await RedisServer.StartAsync(scope, "redis-untouched", ct);
        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-container", target, "--yes");
        restore.ExitCode.Should().Be(1);
        restore.Stderr.Should().Contain("failed its checks").And.Contain("CRC-64");
        (await RedisServer.CliAsync(scope.Client, target, null, ["DBSIZE"], ct)).Trim().Should().Be("0");
    }

    private static JsonElement ReadArtifact(string set, string file)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(set, "manifest.json")));
        return manifest.RootElement.GetProperty("artifacts").EnumerateArray().Single(a => a.GetProperty("file").GetString() == file).Clone();
    }
}

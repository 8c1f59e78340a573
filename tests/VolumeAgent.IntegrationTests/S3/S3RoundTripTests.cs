using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>Backups to a real S3 server (s3rver) and back: volumes, PostgreSQL, list, verify, restore, retention.</summary>
[Collection(DockerTests.Storages)]
public sealed class S3RoundTripTests : IClassFixture<S3ServerFixture>
{
    private const string PostgresPassword = "pg-s3-secret";
    private const string PostgresSetup = """
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2), tags text[]);
        INSERT INTO items (name, price, tags) SELECT 'item ' || g, g * 1.5, ARRAY['a', 'b'] FROM generate_series(1, 20000) g;
        CREATE VIEW cheap AS SELECT * FROM items WHERE price < 10;
        """;

    private readonly DockerFixture _docker;
    private readonly S3ServerFixture _s3;
    private readonly ITestOutputHelper _output;

    public S3RoundTripTests(DockerFixture docker, S3ServerFixture s3, ITestOutputHelper output)
    {
        _docker = docker;
        _s3 = s3;
        _output = output;
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    public async Task Volume_GoesToS3InParts_ListsVerifiesRestoresIdentical_AndRetentionPrunesOnS3(int mebibytes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await docker.CreateVolumeAsync("s3-src", ct);
        await docker.ShellAsync(source, $"""
            cd /data; mkdir -p 'deep/dir with space' empty
            head -c {mebibytes}M /dev/urandom > big.bin
            echo secret > deep/owned; chown 999:999 deep/owned; chmod 0640 deep/owned
            printf 'ünïcødé\n' > 'deep/dir with space/fïlé.txt'; ln -s deep/owned link
            """, ct);
        var job = workspace.Job("s3-volume");
        var prefix = S3Workspace.Configure(workspace, _s3, $"""
            jobs:
              {job}:
                compression: none
                retention: {"{"} keep_last: 1 {"}"}
                sources:
                  - volume: {source}
            """);
        _s3.Proxy.Requests.Clear();

        var run = await workspace.RunAsync(ct, "run-now", job);

        run.ExitCode.Should().Be(0, run.ToString());
        run.Output.Should().NotContain(S3ServerFixture.Key, "keys never reach the output");
        var stored = await _s3.ListSetObjectsAsync(prefix + job + "/", ct);
        var names = stored.Select(o => o.Key[(o.Key.LastIndexOf('/') + 1)..]).ToList();
        names.Should().BeEquivalentTo([$"volume-{source}.tar", "SHA256SUMS", "manifest.json"], "a complete set and no upload markers");
        var setName = stored[0].Key.Split('/')[^2];
        (await _s3.GetTextAsync(prefix + job + "/latest", ct)).Should().Be(setName + "\n", "the job's latest object names the newest good set");
        stored.Single(o => o.Key.EndsWith(".tar", StringComparison.Ordinal)).Size.Should().BeGreaterThan(mebibytes * 1024L * 1024);
        _s3.Proxy.Requests.Count(r => r.IsPartUpload).Should().BeGreaterThanOrEqualTo(mebibytes / 8, "the artifact is streamed in 8 MiB parts");
        _s3.Proxy.UploadsNotEnded().Should().BeEmpty();
        var requests = _s3.Proxy.Requests.ToList();
        requests.FindLastIndex(r => r.Method == "PUT" && r.Target.Contains("/manifest.json", StringComparison.Ordinal))
            .Should().BeGreaterThan(requests.FindLastIndex(r => r.Method == "PUT" && r.Target.Contains("/SHA256SUMS", StringComparison.Ordinal)))
            .And.BeGreaterThan(requests.FindLastIndex(r => r.IsPartUpload), "manifest.json is written last");

        var list = await workspace.RunAsync(ct, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain(S3Workspace.StorageName).And.Contain("succeeded");
        var verify = await workspace.RunAsync(ct, "verify", "--latest", job);
        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Stdout.Should().Contain("SHA-256 matches");

        var target = docker.UniqueName("s3-restored");
        var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--to-volume", target, "--yes");
        try
        {
            restore.ExitCode.Should().Be(0, restore.ToString());
            (await docker.TreeAsync(target, ct)).Should().Be(await docker.TreeAsync(source, ct));
        }
        finally
        {
            await DockerCli.RunAsync(CancellationToken.None, "volume", "rm", "-f", target);
        }

        var second = await workspace.RunAsync(ct, "run-now", job);
        second.ExitCode.Should().Be(0, second.ToString());
        var sets = (await _s3.ListSetObjectsAsync(prefix + job + "/", ct)).Select(o => o.Key.Split('/')[^2]).Distinct().ToList();
        sets.Should().ContainSingle("keep_last: 1 deletes the first set from the bucket after the second run");
        var prune = await workspace.RunAsync(ct, "prune", job);
        prune.ExitCode.Should().Be(0, prune.ToString());
        (await _s3.ListSetObjectsAsync(prefix + job + "/", ct)).Select(o => o.Key.Split('/')[^2]).Distinct().Should().Equal(sets);
    }

    [Fact]
    public async Task Postgres_WithKeysFromTheStandardAwsVariables_RestoresIntoAFreshServer_PgDumpIsEqual()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var source = await docker.StartPostgresAsync("s3-pg-src", PostgresPassword, ct);
        await CliDocker.ExecAsync(source, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-c", "CREATE DATABASE shop;");
        await CliDocker.ExecAsync(source, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "shop", "-c", PostgresSetup);
        var job = workspace.Job("s3-pg");
        S3Workspace.Configure(workspace, _s3, $"""
            jobs:
              {job}:
                sources:
                  - postgres: {source}
            """, keysFromEnvironment: true);

        var run = await workspace.RunAsync(ct, "run-now", job);
        run.ExitCode.Should().Be(0, run.ToString());
        var fresh = await docker.StartPostgresAsync("s3-pg-new", "another-secret", ct);
        var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--to-container", fresh, "--yes");

        restore.ExitCode.Should().Be(0, restore.ToString());
        var original = await CliDocker.PgDumpAsync(source, "shop", ct);
        original.Should().Contain("COPY public.items");
        (await CliDocker.PgDumpAsync(fresh, "shop", ct)).Should().Be(original);
        (run.Output + restore.Output).Should().NotContain(S3ServerFixture.Key).And.NotContain(PostgresPassword);
    }
}

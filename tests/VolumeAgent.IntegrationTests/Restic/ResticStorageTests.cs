using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.S3;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// <c>type: restic</c> with a local repository (a temporary directory bind-mounted into the restic helpers): a volume
/// (backed up file by file by restic) and a PostgreSQL dump stored as tagged snapshots that restic itself reads back, the set listed, and the errors a
/// user meets (no repository without <c>init: true</c>, a wrong password) in words.
/// </summary>
[Collection(DockerTests.Restic)]
public sealed class ResticStorageTests
{
    internal const string PostgresPassword = "pg-restic-secret";
    internal const string PostgresSetup = """
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2));
        INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.5 FROM generate_series(1, 5000) g;
        """;

    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(6);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ResticStorageTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task VolumeAndDump_GoIntoANewRepository_AsTaggedSnapshots_ThatResticReadsBack_AndTheSetLists()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-src", ct);
        await docker.ShellAsync(volume, "mkdir -p /data/deep; head -c 3000000 /dev/urandom > /data/deep/random.bin; echo hello > /data/a.txt", ct);
        var postgres = await docker.StartPostgresAsync("restic-pg", PostgresPassword, ct);
        await CliDocker.ExecAsync(postgres, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-c", "CREATE DATABASE shop;");
        await CliDocker.ExecAsync(postgres, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "shop", "-c", PostgresSetup);
        var job = workspace.Job("restic");
        workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault"), job, volume, postgres));

        var run = await workspace.RunAsync(ct, "run-now", job);

        run.ExitCode.Should().Be(0, run.ToString());
        File.Exists(Path.Combine(repository.Path, "config")).Should().BeTrue("init: true created the repository");
        var snapshots = await repository.SnapshotsAsync(ct);
        var objects = snapshots.Where(s => s.Path != "/data").ToList();
        var names = objects.Select(s => s.Path[(s.Path.LastIndexOf('/') + 1)..]).ToList();
        names.Should().Contain(["manifest.json", "SHA256SUMS"]).And.Contain(n => n.StartsWith("postgres-", StringComparison.Ordinal) && n.EndsWith("-shop.sql", StringComparison.Ordinal));
        names.Should().NotContain($"volume-{volume}.tar", "restic backs the volume up file by file, as a snapshot of its own tree");
        snapshots.Should().ContainSingle(s => s.Path == "/data").Which.Tags.Should().Contain("source=volume:" + volume);
        var setName = objects[0].Path.Split('/')[2];
        var runTag = "run=" + setName[(setName.IndexOf('-', StringComparison.Ordinal) + 1)..];
        snapshots.Should().OnlyContain(s => s.Tags.Contains("volume-agent") && s.Tags.Contains("job=" + job) && s.Tags.Contains("set=" + setName) && s.Tags.Contains(runTag));
        objects.Should().OnlyContain(s => s.Path.StartsWith($"/{job}/{setName}/", StringComparison.Ordinal));

        // restic alone reads the set back: SHA256SUMS matches each artifact's dump, the dump is the database's.
        var sums = await repository.DumpAsync($"/{job}/{setName}/SHA256SUMS", ct);
        foreach (var (id, path, _) in objects.Where(s => !s.Path.EndsWith("/SHA256SUMS", StringComparison.Ordinal) && !s.Path.EndsWith("/manifest.json", StringComparison.Ordinal)))
        {
            sums.Should().Contain($"{await repository.DumpSha256Async(id, path, ct)}  {Path.GetFileName(path)}");
        }

        var dumpPath = snapshots.Single(s => s.Path.EndsWith("-shop.sql", StringComparison.Ordinal)).Path;
        var stored = await repository.DumpAsync(dumpPath, ct);
        WithoutRestrictKey(stored).Should().Be(await CliDocker.PgDumpAsync(postgres, "shop", ct), "the dump went uncompressed into restic --stdin and comes back byte for byte but for pg_dump's per-dump key");
        (await repository.DumpAsync($"/{job}/{setName}/manifest.json", ct)).Should().Contain($"\"job\": \"{job}\"");

        // A second run of the unchanged sources: restic's chunks deduplicate the uncompressed streams.
        var firstSize = RepositoryBytes(repository);
        var second = await workspace.RunAsync(ct, "run-now", job);
        second.ExitCode.Should().Be(0, second.ToString());
        (await repository.SnapshotsAsync(ct)).Should().HaveCount(2 * snapshots.Count, "every object of the second set is a snapshot of its own");
        (RepositoryBytes(repository) - firstSize).Should().BeLessThan(firstSize / 10, "the unchanged 3 MB volume and dump add only snapshots and metadata the second time");

        var list = await workspace.RunAsync(ct, "list", job);
        list.ExitCode.Should().Be(0, list.ToString());
        list.Stdout.Should().Contain("vault").And.Contain(setName).And.Contain("succeeded");
        var status = await workspace.RunAsync(ct, "status");
        status.ExitCode.Should().Be(0, status.ToString());
        (run.Output + second.Output + list.Output + status.Output).Should().NotContain(repository.Password).And.NotContain(PostgresPassword);
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    [Fact]
    public async Task MissingRepositoryWithoutInit_AndAWrongPassword_FailTheRun_NamingTheStorageAndTheFix()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-err", ct);
        await docker.ShellAsync(volume, "echo hello > /data/a.txt", ct);
        var job = workspace.Job("restic-err");
        workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault", init: false), job, volume));

        var missing = await workspace.RunAsync(ct, "run-now", job);

        missing.ExitCode.Should().NotBe(0, missing.ToString());
        missing.Output.Should().Contain("restic storage 'vault'").And.Contain("no restic repository at " + repository.Path).And.Contain("init: true");
        Directory.Exists(repository.Path).Should().BeFalse("without init: true the agent creates nothing");

        await HostProcess.RunCheckedAsync("restic", ["--repo", repository.Path, "--password-file", repository.PasswordFile, "init"], ct);
        var wrong = Path.Combine(workspace.Root, "wrong-password");
        await File.WriteAllTextAsync(wrong, "not-the-password\n", ct);
        workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault", init: false, passwordFile: wrong), job, volume));

        var refused = await workspace.RunAsync(ct, "run-now", job);

        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain("restic storage 'vault'").And.Contain("password_file").And.Contain("wrong password");
        refused.Output.Should().NotContain("not-the-password").And.NotContain(repository.Password);
        (await repository.SnapshotsAsync(ct)).Should().BeEmpty("no run got past the check");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    [Fact]
    public async Task Validate_ReportsTheHelperImagesResticVersion_AndRefusesAnImageWithoutRestic_OrNoImageOnTheHost()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var job = workspace.Job("restic-val");
        workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault"), job, "some-volume"));

        var valid = await workspace.RunAsync(ct, "validate");

        valid.ExitCode.Should().Be(0, valid.ToString());
        valid.Stdout.Should().MatchRegex(@"storage 'vault': restic 0\.(1[4-9]|[2-9][0-9])\.[0-9]+ in image " + ResticRepository.Image.Replace(".", "\\.", StringComparison.Ordinal));
        workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault").Replace(ResticRepository.Image, TestImages.Helper, StringComparison.Ordinal), job, "some-volume"));

        var refused = await workspace.RunAsync(ct, "validate");

        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain($"restic storage 'vault': the helper image {TestImages.Helper} does not run restic").And.Contain("restic 0.14 or newer");
        refused.Stdout.Should().NotContain("is valid");

        // No image, and the agent runs on the host (not in a container of this engine): validate and the run say to set one.
        workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault").Replace($", image: {ResticRepository.Image}", string.Empty, StringComparison.Ordinal), job, "some-volume"));
        var unset = await workspace.RunAsync(ct, "validate");
        var run = await workspace.RunAsync(ct, "run-now", job);

        foreach (var result in new[] { unset, run })
        {
            result.ExitCode.Should().NotBe(0, result.ToString());
            result.Output.Should().Contain("restic storage 'vault': 'image' is not set").And.Contain("Name an image with restic 0.14.0 or newer in the storage's 'image'");
        }

        File.Exists(Path.Combine(repository.Path, "config")).Should().BeFalse("no restic ran without an image");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    private static long RepositoryBytes(ResticRepository repository) =>
        Directory.EnumerateFiles(repository.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    private static string WithoutRestrictKey(string dump) =>
        string.Join('\n', dump.Split('\n').Where(l => !l.StartsWith("\\restrict ", StringComparison.Ordinal) && !l.StartsWith("\\unrestrict ", StringComparison.Ordinal)));

    internal static string Config(AgentWorkspace workspace, string storage, string job, string volume, string? postgres = null, string extra = "") => $"""
        helper_image: {TestImages.Helper}
        state_dir: {workspace.StateDir}
        storage:
        {storage}
        jobs:
          {job}:
            storage: [vault]
            compression: none
        {extra}    sources:
              - volume: {volume}
        {(postgres is null ? string.Empty : $"      - postgres: {postgres}\n        databases: [shop]\n        format: plain\n        password: {PostgresPassword}\n")}
        """;
}

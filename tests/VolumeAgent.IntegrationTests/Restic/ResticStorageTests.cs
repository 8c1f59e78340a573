using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
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
        var setFiles = objects.Should().ContainSingle(s => s.Tags.Contains("object=manifest.json"), "the set's closing files are one snapshot").Subject;
        setFiles.Tags.Should().Contain("object=SHA256SUMS");
        var setName = setFiles.Path.Split('/')[2];
        setFiles.Path.Should().Be($"/{job}/{setName}", "SHA256SUMS and manifest.json are a snapshot of the set's directory");
        (await repository.RunAsync(ct, "ls", setFiles.Id)).Should().Contain($"/{job}/{setName}/SHA256SUMS").And.Contain($"/{job}/{setName}/manifest.json");
        var artifacts = objects.Where(s => s.Id != setFiles.Id).ToList();
        var names = artifacts.Select(s => s.Path[(s.Path.LastIndexOf('/') + 1)..]).ToList();
        names.Should().Contain(n => n.StartsWith("postgres-", StringComparison.Ordinal) && n.EndsWith("-shop.sql", StringComparison.Ordinal)).And.NotContain(["SHA256SUMS", "manifest.json"]);
        names.Should().NotContain($"volume-{volume}.tar", "restic backs the volume up file by file, as a snapshot of its own tree");
        snapshots.Should().ContainSingle(s => s.Path == "/data").Which.Tags.Should().Contain("source=volume:" + volume);
        var runTag = "run=" + setName[(setName.IndexOf('-', StringComparison.Ordinal) + 1)..];
        snapshots.Should().OnlyContain(s => s.Tags.Contains("volume-agent") && s.Tags.Contains("job=" + job) && s.Tags.Contains("set=" + setName) && s.Tags.Contains(runTag));
        artifacts.Should().OnlyContain(s => s.Path.StartsWith($"/{job}/{setName}/", StringComparison.Ordinal));

        // restic alone reads the set back: SHA256SUMS matches each artifact's dump, the dump is the database's.
        var sums = await repository.DumpSetFileAsync(job, setName, "SHA256SUMS", ct);
        foreach (var (id, path, _) in artifacts)
        {
            sums.Should().Contain($"{await repository.DumpSha256Async(id, path, ct)}  {Path.GetFileName(path)}");
        }

        var dumpPath = snapshots.Single(s => s.Path.EndsWith("-shop.sql", StringComparison.Ordinal)).Path;
        var stored = await repository.DumpAsync(dumpPath, ct);
        WithoutRestrictKey(stored).Should().Be(await CliDocker.PgDumpAsync(postgres, "shop", ct), "the dump went uncompressed into restic --stdin and comes back byte for byte but for pg_dump's per-dump key");
        (await repository.DumpSetFileAsync(job, setName, "manifest.json", ct)).Should().Contain($"\"job\": \"{job}\"");

        // A second run of the unchanged sources: restic's chunks deduplicate the uncompressed streams.
        var firstSize = RepositoryBytes(repository);
        var second = await workspace.RunAsync(ct, "run-now", job);
        second.ExitCode.Should().Be(0, second.ToString());
        (await repository.SnapshotsAsync(ct)).Should().HaveCount(2 * snapshots.Count, "the second set has the same snapshots: the tree, the dump, and its closing files together");
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
    public async Task AnUnchangedRun_StartsThreeHelpers_AndSetsOfBothLayouts_ListVerifyAndRestore()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-layout", ct);
        await docker.ShellAsync(volume, VolumeRestoreTests.FillScript, ct);
        var job = workspace.Job("restic-layout");

        // This test's helpers alone are counted, by an image name no other test uses (a second tag of the restic image).
        var image = docker.UniqueName("volume-agent-test/restic:count");
        await DockerCli.RunAsync(ct, "tag", ResticRepository.Image, image);
        try
        {
            workspace.WriteWholeConfig(Config(workspace, repository.StorageYaml("vault").Replace(ResticRepository.Image, image, StringComparison.Ordinal), job, volume));
            var first = await workspace.RunAsync(ct, "run-now", job);
            first.ExitCode.Should().Be(0, first.ToString());
            var oldSet = SetOf((await repository.SnapshotsAsync(ct)).Single(s => s.Tags.Contains("object=manifest.json")));

            var since = DateTimeOffset.UtcNow;
            var second = await workspace.RunAsync(ct, "run-now", job);
            var until = DateTimeOffset.UtcNow;

            second.ExitCode.Should().Be(0, second.ToString());
            var created = await DockerCli.RunAsync(
                ct, "events", "--since", Unix(since), "--until", Unix(until), "--filter", "type=container", "--filter", "event=create", "--filter", "image=" + image, "--format", "{{.Actor.ID}}");
            created.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(
                3, "an unchanged run lists the snapshots (the storage check), backs the volume up, and stores SHA256SUMS with manifest.json, one helper each");
            var newSet = SetOf((await repository.SnapshotsAsync(ct)).Single(s => s.Tags.Contains("object=manifest.json") && !s.Tags.Contains("set=" + oldSet)));

            // The first set as an earlier version stored it: a snapshot per file, the directory's snapshot forgotten.
            await repository.RewriteInTheOldLayoutAsync(job, oldSet, ct);
            var snapshots = await repository.SnapshotsAsync(ct);
            snapshots.Should().Contain(s => s.Path == $"/{job}/{oldSet}/manifest.json").And.Contain(s => s.Path == $"/{job}/{oldSet}/SHA256SUMS");
            snapshots.Should().NotContain(s => s.Path == $"/{job}/{oldSet}").And.ContainSingle(s => s.Path == $"/{job}/{newSet}");

            var list = await workspace.RunAsync(ct, "list", job);
            list.ExitCode.Should().Be(0, list.ToString());
            list.Stdout.Should().Contain(oldSet).And.Contain(newSet).And.NotContain("incomplete").And.NotContain("corrupt");
            foreach (var set in new[] { oldSet, newSet })
            {
                var verify = await workspace.RunAsync(ct, "verify", $"{job}/{set}");
                verify.ExitCode.Should().Be(0, verify.ToString());
                verify.Stdout.Should().Contain("is in the repository").And.Contain("verify succeeded");
            }

            foreach (var set in new[] { oldSet, newSet })
            {
                var target = docker.UniqueName("restic-layout-restored");
                try
                {
                    var restore = await workspace.RunAsync(ct, "restore", $"{job}/{set}", "--to-volume", target, "--yes");
                    restore.ExitCode.Should().Be(0, restore.ToString());
                    (await docker.TreeAsync(target, ct)).Should().Be(await docker.TreeAsync(volume, ct), $"set {set} restores the volume");
                }
                finally
                {
                    await DockerCli.RunAsync(CancellationToken.None, "volume", "rm", "-f", target);
                }
            }

            await workspace.AssertNoAgentLeftoversAsync(ct);
        }
        finally
        {
            // Only this test's tag goes; the image keeps its own name.
            await DockerCli.RunAsync(CancellationToken.None, "image", "rm", image);
        }
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

    private static string SetOf((string Id, string Path, IReadOnlyList<string> Tags) snapshot) =>
        snapshot.Tags.Single(t => t.StartsWith("set=", StringComparison.Ordinal))[4..];

    private static string Unix(DateTimeOffset time) => (time.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", System.Globalization.CultureInfo.InvariantCulture);

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

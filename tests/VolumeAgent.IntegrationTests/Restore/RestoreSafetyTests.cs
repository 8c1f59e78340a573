using System.Formats.Tar;
using System.Text;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restore;

[Collection(DockerTests.Databases)]
public sealed class RestoreSafetyTests
{
    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public RestoreSafetyTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task FlippedByte_VerifyFailsNamingTheFile_RestoreRefusesAndWritesNothing()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-flip");
        var volume = await workspace.CreateVolumeAsync("restore-flip-src", ct);
        await workspace.ShellAsync(volume, "head -c 200000 /dev/urandom > /data/data.bin; mkdir /data/d; echo x > /data/d/x", ct);
        var source = await workspace.StartDatabaseAsync(TestImages.Postgres, "restore-flip-pg", [$"POSTGRES_PASSWORD={DatabaseRestoreTests.PostgresPassword}"], ct);
        await DatabaseRestoreTests.Psql(workspace, source, "postgres", "CREATE ROLE flipper LOGIN; CREATE DATABASE app OWNER flipper; \\c app\nCREATE TABLE t AS SELECT g FROM generate_series(1, 20000) g;", ct);
        workspace.Configure($"      - volume: {volume}\n      - postgres: {source}\n        databases: [app]\n");
        var set = await workspace.BackUpAsync(ct);
        var dump = Directory.GetFiles(set, "postgres-*-app.dump.gz").Should().ContainSingle().Subject;
        await SetForgery.FlipByteAsync(dump, ct);
        var fresh = await workspace.StartDatabaseAsync(TestImages.Postgres, "restore-flip-new", ["POSTGRES_PASSWORD=x"], ct);
        var target = workspace.TargetVolume("restore-flip-target");

        var verify = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest");
        var restore = await workspace.RunAsync(ct, "restore", Path.GetFileName(set), "--to-volume", target, "--to-container", fresh, "--yes");

        verify.ExitCode.Should().Be(1);
        verify.Stdout.Should().Contain($"FAIL  {Path.GetFileName(dump)}: SHA-256 is").And.Contain("verify FAILED");
        restore.ExitCode.Should().Be(1);
        restore.Stderr.Should().Contain("nothing was restored").And.Contain($"{Path.GetFileName(dump)}: SHA-256 is");
        (await scope.Client.TryInspectVolumeAsync(target, ct)).Should().BeNull("a refused restore creates no volume");
        (await DatabaseRestoreTests.Psql(workspace, fresh, "postgres", "SELECT count(*) FROM pg_database WHERE datname = 'app';", ct)).Trim().Should().Be("0");
        (await DatabaseRestoreTests.Psql(workspace, fresh, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'flipper';", ct)).Trim().Should().Be("0", "not even the globals, which were sound, ran");
        (await workspace.RunAsync(ct, "list", workspace.Job)).Stdout.Should().Contain("failed");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task CraftedArchive_WithEscapingEntries_IsRefused_NothingWrittenInsideOrOutsideTheTarget()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-evil");
        var volume = await workspace.CreateVolumeAsync("restore-evil-src", ct);
        await workspace.ShellAsync(volume, "echo innocent > /data/ok.txt", ct);
        workspace.Configure($"      - volume: {volume}\n");
        var set = await workspace.BackUpAsync(ct);
        var marker = $"escape-{_fixture.TestRunId}";
        var evil = Tar(
            (TarEntryType.Directory, "./", null),
            (TarEntryType.RegularFile, "./ok.txt", null),
            (TarEntryType.RegularFile, $"../{marker}", null),
            (TarEntryType.RegularFile, $"/tmp/{marker}", null),
            (TarEntryType.RegularFile, "./after.txt", null));
        var (digest, entries) = SetForgery.Describe(evil);
        var file = Directory.GetFiles(set, "volume-*.tar.gz").Should().ContainSingle().Subject;
        await SetForgery.ReplaceAsync(set, Path.GetFileName(file), SetForgery.Gzip(evil), evil.Length, ct, digest, entries);
        var target = await workspace.CreateVolumeAsync("restore-evil-target", ct);
        var mountpoint = (await scope.Client.Volumes.InspectAsync(target, ct)).Mountpoint!;

        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");
        var verify = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest");

        restore.ExitCode.Should().Be(1);
        restore.Stderr.Should().Contain($"'../{marker}'").And.Contain("'..' component").And.Contain("nothing was restored");
        verify.ExitCode.Should().Be(1, "verify refuses what restore would refuse");
        verify.Stdout.Should().Contain($"'../{marker}'");
        (await workspace.ShellAsync(target, "ls -A /data | wc -l", ct, readOnly: true)).Trim().Should().Be("0", "the target is untouched");
        File.Exists(Path.Combine(Path.GetDirectoryName(mountpoint)!, marker)).Should().BeFalse("nothing lands beside the volume's data");
        File.Exists($"/tmp/{marker}").Should().BeFalse();
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("dir/./link/x")]
    [InlineData("dir//link/x")]
    public async Task CraftedArchive_WithNonCanonicalNameThroughASymlink_VerifyFailsNamingIt_RestoreRefusesAndLeavesTheTargetUntouched(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-dotlink");
        var volume = await workspace.CreateVolumeAsync("restore-dotlink-src", ct);
        await workspace.ShellAsync(volume, "echo innocent > /data/ok.txt", ct);
        workspace.Configure($"      - volume: {volume}\n");
        var set = await workspace.BackUpAsync(ct);
        var evil = Tar(
            (TarEntryType.Directory, "./", null),
            (TarEntryType.RegularFile, "./ok.txt", null),
            (TarEntryType.Directory, "dir/", null),
            (TarEntryType.SymbolicLink, "dir/link", "/"),
            (TarEntryType.RegularFile, name, null),
            (TarEntryType.RegularFile, "./after.txt", null));
        var (digest, entries) = SetForgery.Describe(evil);
        var file = Directory.GetFiles(set, "volume-*.tar.gz").Should().ContainSingle().Subject;
        await SetForgery.ReplaceAsync(set, Path.GetFileName(file), SetForgery.Gzip(evil), evil.Length, ct, digest, entries);
        var target = await workspace.CreateVolumeAsync("restore-dotlink-target", ct);

        var verify = await workspace.RunAsync(ct, "verify", $"{workspace.Job}/latest");
        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");

        verify.ExitCode.Should().Be(1, "the entry would be written through the link the archive made");
        verify.Stdout.Should().Contain($"'{name}'").And.Contain("under 'dir/link'").And.Contain("symbolic link").And.Contain("verify FAILED");
        verify.Stdout.Should().NotContain("tree digest matches");
        restore.ExitCode.Should().Be(1);
        restore.Stderr.Should().Contain($"'{name}'").And.Contain("symbolic link").And.Contain("nothing was restored");
        (await workspace.ShellAsync(target, "ls -A /data | wc -l", ct, readOnly: true)).Trim().Should().Be("0", "the target is untouched");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    [Fact]
    public async Task Drill_PassesOnAGoodSet_FailsOnATruncatedDumpNamingTheDatabaseAndTheCause()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-drill");
        var source = await workspace.StartDatabaseAsync(TestImages.Postgres, "restore-drill-pg", [$"POSTGRES_PASSWORD={DatabaseRestoreTests.PostgresPassword}"], ct);
        await DatabaseRestoreTests.Psql(workspace, source, "postgres", DatabaseRestoreTests.PostgresSetup, ct);
        workspace.Configure($"      - postgres: {source}\n");
        var set = await workspace.BackUpAsync(ct);

        var good = await workspace.RunAsync(ct, "verify", Path.GetFileName(set), "--drill");

        good.ExitCode.Should().Be(0, good.ToString());
        good.Stdout.Should().Contain("database 'shop'").And.Contain("public.items 5003").And.Contain("drill succeeded");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty("the drill removes its scratch server and volumes");

        var file = Directory.GetFiles(set, "postgres-*-shop.dump.gz").Should().ContainSingle().Subject;
        var raw = SetForgery.Gunzip(await File.ReadAllBytesAsync(file, ct));
        var cut = raw[..(raw.Length * 3 / 5)];
        await SetForgery.ReplaceAsync(set, Path.GetFileName(file), SetForgery.Gzip(cut), cut.Length, ct);

        var bad = await workspace.RunAsync(ct, "verify", Path.GetFileName(set), "--drill");

        bad.ExitCode.Should().Be(1);
        bad.Stdout.Should().Contain($"FAIL  {Path.GetFileName(file)}: restoring database 'shop'").And.Contain("pg_restore").And.Contain("drill FAILED");
        bad.Stdout.Should().MatchRegex("pg_restore: error: .*(end of file|could not read)");
        (await workspace.RunAsync(ct, "list", workspace.Job)).Stdout.Should().Contain("failed");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty("a failed drill removes what it made too");
    }

    /// <summary>A tar of small regular files, directories and symlinks (to Link) with exactly these names, unchecked.</summary>
    private static byte[] Tar(params (TarEntryType Type, string Name, string? Link)[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true))
        {
            foreach (var (type, name, link) in entries)
            {
                var entry = new GnuTarEntry(type, name) { Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute };
                if (link is not null)
                {
                    entry.LinkName = link;
                }

                if (type == TarEntryType.RegularFile)
                {
                    entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes("written by a crafted archive\n"));
                }

                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }
}

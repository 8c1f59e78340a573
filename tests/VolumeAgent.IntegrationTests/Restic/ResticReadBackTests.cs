using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Restore;
using VolumeAgent.IntegrationTests.S3;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// Sets in a local restic repository read back by the agent: <c>verify</c> (with <c>restic check</c>), a drill and
/// <c>restore</c> of a volume and a PostgreSQL database give back what was backed up; a wrong password or a repository
/// that has gone fails naming the storage.
/// </summary>
[Collection(DockerTests.Restic)]
public sealed class ResticReadBackTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(8);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ResticReadBackTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task VolumeAndPostgres_VerifyDrillAndRestore_FromTheRepository_AreIdentical()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var docker = new CliDocker(_docker);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var volume = await docker.CreateVolumeAsync("restic-rb", ct);
        await docker.ShellAsync(volume, VolumeRestoreTests.FillScript, ct);
        var postgres = await docker.StartPostgresAsync("restic-rb-pg", ResticStorageTests.PostgresPassword, ct);
        await CliDocker.ExecAsync(postgres, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-c", "CREATE DATABASE shop;");
        await CliDocker.ExecAsync(postgres, ct, "psql", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "shop", "-c", ResticStorageTests.PostgresSetup);
        var job = workspace.Job("restic-rb");
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, repository.StorageYaml("vault"), job, volume, postgres));
        var run = await workspace.RunAsync(ct, "run-now", job);
        run.ExitCode.Should().Be(0, run.ToString());

        var verify = await workspace.RunAsync(ct, "verify", "--latest", job);

        verify.ExitCode.Should().Be(0, verify.ToString());
        verify.Stdout.Should().Contain("is in the repository", "the volume is a restic snapshot of its own, checked by restic");
        var drill = await workspace.RunAsync(ct, "verify", "--latest", job, "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain("identical to the snapshot's own list").And.Contain("a fresh dump matches the backup");
        var list = await workspace.RunAsync(ct, "list", job);
        list.Stdout.Should().Contain("drilled", "the drill's result is recorded in the manifest, a new snapshot of it in the repository");

        var target = docker.UniqueName("restic-rb-restored");
        var restore = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--artifact", volume, "--to-volume", target, "--yes");
        try
        {
            restore.ExitCode.Should().Be(0, restore.ToString());
            (await docker.TreeAsync(target, ct)).Should().Be(await docker.TreeAsync(volume, ct), "the volume comes back from restic entry by entry");
        }
        finally
        {
            await DockerCli.RunAsync(CancellationToken.None, "volume", "rm", "-f", target);
        }

        var fresh = await docker.StartPostgresAsync("restic-rb-new", "another-secret", ct);
        var restoreDb = await workspace.RunAsync(ct, "restore", $"{job}/latest", "--artifact", "shop", "--to-container", fresh, "--yes");
        restoreDb.ExitCode.Should().Be(0, restoreDb.ToString());
        var original = await CliDocker.PgDumpAsync(postgres, "shop", ct);
        original.Should().Contain("COPY public.items");
        (await CliDocker.PgDumpAsync(fresh, "shop", ct)).Should().Be(original);

        // A wrong password: verify fails naming the storage and the key to fix, and shows no secret.
        var wrong = Path.Combine(workspace.Root, "wrong-password");
        await File.WriteAllTextAsync(wrong, "not-the-password\n", ct);
        workspace.WriteWholeConfig(ResticStorageTests.Config(workspace, repository.StorageYaml("vault", init: false, passwordFile: wrong), job, volume, postgres));
        var refused = await workspace.RunAsync(ct, "verify", "--latest", job);
        refused.ExitCode.Should().NotBe(0, refused.ToString());
        refused.Output.Should().Contain("restic storage 'vault'").And.Contain("password_file");

        (run.Output + verify.Output + drill.Output + restore.Output + restoreDb.Output + refused.Output)
            .Should().NotContain(repository.Password).And.NotContain(ResticStorageTests.PostgresPassword).And.NotContain("not-the-password");
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }
}

using System.Text.Json;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restore;

[Collection(DockerTests.Databases)]
public sealed class VolumeRestoreTests
{
    /// <summary>Nested and empty directories, links of every kind, owners, modes, odd names, a few MB of random data.</summary>
    internal const string FillScript = """
        cd /data
        mkdir -p 'deep/er/est' empty 'names with spaces/é ü ß 日本'
        echo 'secret' > deep/er/est/owned; chown 999:999 deep/er/est/owned; chmod 0640 deep/er/est/owned
        echo 'private dir' > deep/private.txt; mkdir -m 0700 deep/locked; echo x > deep/locked/inside
        head -c 3000000 /dev/urandom > deep/random.bin
        printf 'ünïcødé\n' > 'names with spaces/é ü ß 日本/fïlé name.txt'
        ln -s /etc/passwd absolute-link
        ln -s ../../outside relative-up-link
        ln -s deep/er/est/owned inner-link
        ln deep/random.bin hard-link-to-random
        touch -d '2001-02-03 04:05:06' deep/private.txt
        chmod 4755 deep/private.txt; chown 1234:5678 empty
        """;

    private readonly DockerFixture _fixture;
    private readonly ITestOutputHelper _output;

    public VolumeRestoreTests(DockerFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task Restore_IntoANewVolume_IsIdenticalEntryByEntry_AndTheSetVerifiesAndDrills()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-volume");
        var source = await workspace.CreateVolumeAsync("restore-src", ct);
        await workspace.ShellAsync(source, FillScript, ct);
        workspace.Configure($"      - volume: {source}\n");
        await workspace.BackUpAsync(ct);

        var target = workspace.TargetVolume("restore-new");
        var restore = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--to-volume", target, "--yes");

        restore.ExitCode.Should().Be(0, restore.ToString());
        var expected = await workspace.ListTreeAsync(source, ct);
        (await workspace.ListTreeAsync(target, ct)).Should().Be(expected);
        expected.Should().Contain("./deep/er/est/owned\tf\t640\t999:999").And.Contain("./absolute-link\tl\t777\t0:0\t/etc/passwd")
            .And.Contain("é ü ß 日本/fïlé name.txt").And.Contain("./deep/private.txt\tf\t4755");
        var linkCount = await workspace.ShellAsync(target, "stat -c %h /data/hard-link-to-random", ct, readOnly: true);
        linkCount.Trim().Should().Be("2", "hard links come back as links");
        (await workspace.Client.Volumes.InspectAsync(target, ct)).Labels.Should().BeNullOrEmpty("a user's target volume is not marked as the agent's");

        var verify = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job);
        verify.ExitCode.Should().Be(0, verify.ToString());
        var drill = await workspace.RunAsync(ct, "verify", "--latest", workspace.Job, "--drill");
        drill.ExitCode.Should().Be(0, drill.ToString());
        drill.Stdout.Should().Contain("identical to the backup's");
        var list = await workspace.RunAsync(ct, "list", workspace.Job);
        list.Stdout.Should().Contain("VERIFIED").And.Contain("drilled");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty("restore, verify and drill remove every helper and scratch volume");
    }

    [Fact]
    public async Task Restore_NonEmptyVolume_RefusedWithoutForce_WithForceReplacedWhileItsUserIsStopped()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = timeout.Token;
        await using var scope = _fixture.CreateScope(_output);
        await using var workspace = new RestoreWorkspace(scope, _output, "restore-force");
        var volume = await workspace.CreateVolumeAsync("restore-used", ct);
        await workspace.ShellAsync(volume, "echo one > /data/kept.txt; mkdir /data/dir; echo two > /data/dir/file", ct);
        workspace.Configure($"      - volume: {volume}\n");
        await workspace.BackUpAsync(ct);
        var backedUp = await workspace.ListTreeAsync(volume, ct);
        await workspace.ShellAsync(volume, "echo changed > /data/kept.txt; echo new > /data/added-later.txt", ct);
        var changed = await workspace.ListTreeAsync(volume, ct);
        var user = await scope.RunContainerAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Entrypoint = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"],
                Labels = _fixture.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", Mounts = [new Mount { Type = "volume", Source = volume, Target = "/srv" }] },
            },
            ct);
        var startedBefore = await StartedAtAsync(user, ct);

        var withoutYes = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--force");
        var withoutForce = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--yes");

        withoutYes.ExitCode.Should().Be(1);
        withoutYes.Stderr.Should().Contain("pass --yes");
        withoutForce.ExitCode.Should().Be(1);
        withoutForce.Stderr.Should().Contain($"volume {volume} is not empty").And.Contain("--force");
        (await workspace.ListTreeAsync(volume, ct)).Should().Be(changed, "a refused restore writes nothing");
        (await StartedAtAsync(user, ct)).Should().Be(startedBefore, "a refused restore stops nothing");

        var setsBefore = workspace.SetDirectories();
        var forced = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--force", "--yes");

        forced.ExitCode.Should().Be(0, forced.ToString());
        forced.Stdout.Should().Contain("started again");
        (await workspace.ListTreeAsync(volume, ct)).Should().Be(backedUp, "--force replaces the content: the later file is gone");
        var state = await scope.Client.Containers.InspectContainerAsync(user, ct);
        state.State!.Running.Should().BeTrue("the container using the volume runs again after the restore");
        (await StartedAtAsync(user, ct)).Should().NotBe(startedBefore, "it was stopped for the restore and started again");

        // What --force replaced was backed up first, into a set of its own that latest never names.
        var safety = workspace.SetDirectories().Except(setsBefore).Should().ContainSingle("the restore made one safety copy").Subject;
        var safetySet = $"{workspace.Job}/{Path.GetFileName(safety)}";
        forced.Stdout.Should().Contain($"first, a safety copy of volume {volume}")
            .And.Contain($"Safety copy: set {safetySet} in storage local")
            .And.Contain($"To undo this restore: volume-agent restore {safetySet} --storage local --force --no-safety-copy");
        File.ReadAllText(Path.Combine(safety, "manifest.json")).Should().Contain("\"trigger\": \"pre-restore\"");
        var again = await workspace.RunAsync(ct, "restore", $"{workspace.Job}/latest", "--force", "--yes", "--no-safety-copy");
        again.ExitCode.Should().Be(0, again.ToString());
        again.Stdout.Should().Contain(Path.GetFileName(setsBefore.Single()), "latest is still the backup, not the safety copy").And.NotContain("Safety copy");
        workspace.SetDirectories().Should().HaveCount(2, "--no-safety-copy makes none");

        var undone = await workspace.RunAsync(ct, "restore", safetySet, "--force", "--yes", "--no-safety-copy");

        undone.ExitCode.Should().Be(0, undone.ToString());
        (await workspace.ListTreeAsync(volume, ct)).Should().Be(changed, "restoring the safety copy undoes the restore");
        (await workspace.AgentLeftoversAsync(ct)).Should().BeEmpty();
    }

    private async Task<string> StartedAtAsync(string container, CancellationToken cancellationToken)
    {
        var inspect = await _fixture.Client.Containers.InspectContainerAsync(container, cancellationToken);
        return inspect.State!.StartedAt;
    }
}

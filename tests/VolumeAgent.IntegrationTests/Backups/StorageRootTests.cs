using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using VolumeAgent.IntegrationTests.Safety;
using VolumeAgent.Sources;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// The storage directory must exist: a backup share that failed to mount must not be filled from underneath. Only
/// `create: true` lets the agent make it, one level, in a parent that exists; otherwise the run fails before any
/// hook runs or container stops.
/// </summary>
[Collection(DockerTests.Databases)]
public sealed class StorageRootTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public StorageRootTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task RunNow_StorageDirectoryMissing_FailsBeforeHooksAndStopsAndCreatesNothing()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("unmounted", cts.Token);
        var app = await StopContainersTests.StartAppAsync(scope, _docker, [new Mount { Type = "volume", Source = volume, Target = "/data" }], cts.Token);
        var pid = (await _docker.Client.Containers.InspectContainerAsync(app, cts.Token)).State!.Pid;
        var mountPoint = Path.Combine(workspace.Root, "nas");
        var storage = Path.Combine(mountPoint, "backups");
        var job = workspace.Job("unmounted");
        workspace.WriteWholeConfig(Config(workspace, storage, create: null, $"""
            jobs:
              {job}:
                stop_containers: [{app}]
                hooks:
                  before:
                    - {"{"} container: {app}, command: ["touch", "/tmp/before-hook-ran"] {"}"}
                  after:
                    - {"{"} container: {app}, command: ["touch", "/tmp/after-hook-ran"] {"}"}
                sources:
                  - volume: {volume}
            """));

        var result = await workspace.RunAsync(cts.Token, "run-now", "-v", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stdout.Should().Contain("JOB").And.Contain("ARTIFACT", "the run ends with its table like any other");
        result.Stdout.Should().Contain($"job {job}: FAILED");
        result.Stdout.Should().Contain($"Storage 'local': Backup storage directory '{storage}' does not exist.")
            .And.Contain("mounted").And.Contain("create: true");
        Directory.Exists(mountPoint).Should().BeFalse("the agent never creates a storage path that is not there");
        (await ExecAsync(app, ["test", "-e", "/tmp/before-hook-ran"], cts.Token)).ExitCode.Should().Be(1, "no before-hook runs");
        (await ExecAsync(app, ["test", "-e", "/tmp/after-hook-ran"], cts.Token)).ExitCode.Should().Be(1, "no after-hook runs either");
        var state = (await _docker.Client.Containers.InspectContainerAsync(app, cts.Token)).State!;
        state.Running.Should().BeTrue();
        state.Pid.Should().Be(pid, "the container was never stopped (a restart gives it a new process)");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_CreateTrueInAnExistingParent_CreatesTheStorageDirectory0700AndBacksUp()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("create", cts.Token);
        var parent = Path.Combine(workspace.Root, "share");
        Directory.CreateDirectory(parent);
        var storage = Path.Combine(parent, "backups");
        var job = workspace.Job("create");
        workspace.WriteWholeConfig(Config(workspace, storage, create: true, $"""
            jobs:
              {job}:
                sources:
                  - volume: {volume}
            """));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(0, result.ToString());
        File.GetUnixFileMode(storage).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.EnumerateDirectories(Path.Combine(storage, job)).Where(d => new DirectoryInfo(d).LinkTarget is null).Should().ContainSingle();
    }

    [Fact]
    public async Task RunNow_CreateTrueWithoutTheParent_FailsNamingTheParentAndCreatesNothing()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("noparent", cts.Token);
        var parent = Path.Combine(workspace.Root, "nas");
        var job = workspace.Job("noparent");
        workspace.WriteWholeConfig(Config(workspace, Path.Combine(parent, "backups"), create: true, $"""
            jobs:
              {job}:
                sources:
                  - volume: {volume}
            """));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stdout.Should().Contain($"job {job}: FAILED").And.Contain("Storage 'local'").And.Contain($"neither does its parent '{parent}'");
        Directory.Exists(parent).Should().BeFalse("create: true creates one directory, never a whole path");
        await workspace.AssertNoAgentLeftoversAsync(cts.Token);
    }

    [Fact]
    public async Task RunNow_StoragePathIsAFile_SaysItIsAFileNotThatItIsNotWritable()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("file", cts.Token);
        var file = Path.Combine(workspace.Root, "backups.img");
        await File.WriteAllTextAsync(file, "not a directory", cts.Token);
        var job = workspace.Job("file");
        workspace.WriteWholeConfig(Config(workspace, file, create: null, $"""
            jobs:
              {job}:
                sources:
                  - volume: {volume}
            """));

        var result = await workspace.RunAsync(cts.Token, "run-now", job);

        result.ExitCode.Should().Be(1, result.ToString());
        result.Stdout.Should().Contain($"job {job}: FAILED").And.Contain($"Backup storage path '{file}' is a file, not a directory.");
        result.Output.Should().NotContain("not writable").And.NotContain("read-write");
        (await File.ReadAllTextAsync(file, cts.Token)).Should().Be("not a directory");
    }

    [Fact]
    public async Task Validate_StorageDirectoryMissing_WarnsNamingStorageAndPathCreatesNothingAndExitsZero()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var storage = Path.Combine(workspace.Root, "nas", "backups");
        workspace.WriteWholeConfig(Config(workspace, storage, create: null, """
            jobs:
              nightly:
                sources:
                  - volume: app_data
            """));

        var result = await workspace.RunAsync(cts.Token, "validate");

        result.ExitCode.Should().Be(0, "the file itself is valid: " + result);
        result.Stdout.Should().Contain("is valid.");
        result.Stderr.Should().Contain($"warning: storage 'local': Backup storage directory '{storage}' does not exist.").And.Contain("create: true");
        Directory.Exists(Path.Combine(workspace.Root, "nas")).Should().BeFalse("validate changes nothing");
    }

    /// <summary>backup.yml with one local storage at <paramref name="storagePath"/>, its `create` as given (left out when null).</summary>
    private static string Config(AgentWorkspace workspace, string storagePath, bool? create, string jobs) => $"""
        helper_image: {TestImages.Helper}
        state_dir: {workspace.StateDir}
        storage:
          {AgentWorkspace.StorageName}: {"{"} type: local, path: {storagePath}{(create is { } value ? $", create: {(value ? "true" : "false")}" : string.Empty)} {"}"}

        """ + jobs;

    private Task<ExecOutput> ExecAsync(string container, IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        ContainerExec.RunAsync(_docker.Client, container, command, cancellationToken);
}

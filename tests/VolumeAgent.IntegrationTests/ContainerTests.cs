using System.Text;
using System.Text.Json;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Sources;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

[Collection(DockerTests.Name)]
public sealed class ContainerTests
{
    private const string CaseLabel = "io.volume-agent.test-case";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ContainerTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    private IContainerOperations Containers => _docker.Engine.Containers;

    /// <summary>
    /// The engine finds a container by any unique prefix of its id: a compose service whose name is the first
    /// characters of another container's id (a service "db", a container id "db4f…") is still the service, while
    /// the 12-character id `docker ps` shows still names its container.
    /// </summary>
    [Fact]
    public async Task Resolver_AServiceNamedLikeAnotherContainersIdPrefix_FindsTheService_AndAShortIdItsContainer()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var other = await scope.CreateContainerAsync(new global::Docker.DotNet.Models.CreateContainerParameters { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);
        var prefix = other[..8];
        var project = "va-test-resolve-" + Guid.NewGuid().ToString("N")[..8];
        var service = await scope.RunContainerAsync(
            new global::Docker.DotNet.Models.CreateContainerParameters
            {
                Image = TestImages.Helper,
                Entrypoint = ["sleep"],
                Cmd = ["3600"],
                Labels = _docker.LabelsWith((ContainerResolver.ComposeProjectLabel, project), (ContainerResolver.ComposeServiceLabel, prefix)),
                HostConfig = new global::Docker.DotNet.Models.HostConfig { NetworkMode = "none" },
            },
            cts.Token);
        (await Containers.InspectAsync(prefix, cts.Token)).Id.Should().Be(other, "the engine itself resolves the id prefix");
        var resolver = new ContainerResolver(_docker.Engine, project);

        (await resolver.ResolveAsync(prefix, cts.Token)).Id.Should().Be(service);
        (await resolver.ResolveAsync(other[..ContainerResolver.ShortIdLength], cts.Token)).Id.Should().Be(other);
    }

    [Fact]
    public async Task CreateAsync_HardenedHelper_InspectShowsEveryOption()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var volume = await scope.CreateVolumeAsync("hardened", cts.Token);

        var id = await Containers.CreateAsync(HardenedRequest(volume, "case-inspect"), null, cts.Token);
        scope.TrackContainer(id);
        var typed = await Containers.InspectAsync(id, cts.Token);
        var seen = await _docker.Client.Containers.InspectContainerAsync(id, cts.Token);

        typed.Id.Should().Be(id);
        typed.State!.Status.Should().Be("created");
        typed.Config!.User.Should().Be("65534:65534");
        typed.Config.Env.Should().Contain("GREETING=hello from the test");
        typed.Config.Cmd.Should().Equal("first", "second");
        typed.Config.Labels.Should().Contain(DockerFixture.RunLabel, _docker.TestRunId).And.Contain(CaseLabel, "case-inspect");
        typed.Mounts.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { Type = "volume", Name = volume, Destination = "/data", RW = false }, o => o.ExcludingMissingMembers());
        seen.Config!.WorkingDir.Should().Be("/data");
        seen.Config.Entrypoint.Should().Equal("sh", "-c", ProbeScript, "probe");
        seen.Config.User.Should().Be("65534:65534");
        seen.Config.Labels.Should().Contain(DockerFixture.RunLabel, _docker.TestRunId);
        seen.HostConfig!.NetworkMode.Should().Be("none");
        seen.HostConfig.CapDrop.Should().Equal("ALL");
        seen.HostConfig.CapAdd.Should().Equal("DAC_READ_SEARCH");
        seen.HostConfig.SecurityOpt.Should().Equal("no-new-privileges");
        seen.HostConfig.LogConfig.Type.Should().Be("none");
        seen.HostConfig.Mounts.Should().ContainSingle().Which.Should().BeEquivalentTo(
            new { Type = "volume", Source = volume, Target = "/data", ReadOnly = (bool?)true }, o => o.ExcludingMissingMembers());
    }

    [Fact]
    public async Task StartAsync_HardenedHelper_BehavesAsConfigured()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var volume = await scope.CreateVolumeAsync("hardened", cts.Token);

        var result = await scope.RunToCompletionAsync(HardenedRequest(volume, "case-behaviour"), cts.Token);

        _output.WriteLine(result.Stdout);
        result.ExitCode.Should().Be(0, result.Stderr);
        var facts = ParseFacts(result.Stdout);
        facts.Should().Contain("args", "probe first second", "the entrypoint runs with the command as its arguments");
        facts.Should().Contain("user", "65534:65534");
        facts.Should().Contain("cwd", "/data");
        facts.Should().Contain("greeting", "hello from the test");
        facts.Should().Contain("write", "failed", "the volume is mounted read-only");
        result.Stderr.Should().Contain("Read-only file system", "the write fails for the mount, not for permissions");
        facts.Should().Contain("interfaces", "lo", "network mode none leaves only loopback (no eth0)");
        facts.Should().Contain("nonewprivs", "1");
    }

    [Fact]
    public async Task StartAsync_CapDropAllWithOneCapAdded_ProcessHoldsExactlyThatCapability()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);

        var result = await scope.RunToCompletionAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "grep -E '^Cap(Eff|Bnd):' /proc/self/status"],
                User = "0:0",
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", CapDrop = ["ALL"], CapAdd = ["DAC_READ_SEARCH"], LogConfig = new LogConfig { Type = "none" } },
            },
            cts.Token);

        result.ExitCode.Should().Be(0, result.Stderr);
        // CAP_DAC_READ_SEARCH is capability 2: bit 2 alone is 0x4.
        var capabilities = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0], parts => Convert.ToUInt64(parts[1].Trim(), 16));
        capabilities.Should().Contain("CapEff", 1UL << 2).And.Contain("CapBnd", 1UL << 2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(255)]
    public async Task WaitAsync_ProcessExitsWithCode_ReturnsThatCode(int code)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest { Image = TestImages.Helper, Cmd = ["sh", "-c", $"exit {code}"], Labels = _docker.LabelsWith() },
            cts.Token);

        await Containers.StartAsync(id, cts.Token);
        var exit = await Containers.WaitAsync(id, cts.Token);
        var state = (await Containers.InspectAsync(id, cts.Token)).State!;

        exit.StatusCode.Should().Be(code);
        exit.Error.Should().BeNull();
        state.Running.Should().BeFalse();
        state.Status.Should().Be("exited");
        state.ExitCode.Should().Be(code);
    }

    [Fact]
    public async Task StartAsync_AlreadyRunning_Succeeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.StartSleeperAsync(cts.Token);

        await Containers.Invoking(c => c.StartAsync(id, cts.Token)).Should().NotThrowAsync("the engine answers 304, which is no failure");

        (await Containers.InspectAsync(id, cts.Token)).State!.Running.Should().BeTrue();
    }

    [Fact]
    public async Task StopAsync_ProcessHandlingTerm_StopsGracefullyWithItsOwnCode()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var (id, attach) = await StartAndAwaitReadyAsync(scope, "trap 'exit 0' TERM; echo ready; sleep 300 & wait", cts.Token);
        await using var _ = attach;

        await Containers.StopAsync(id, TimeSpan.FromSeconds(30), cts.Token);
        var exit = await Containers.WaitAsync(id, cts.Token);

        exit.StatusCode.Should().Be(0, "the process caught SIGTERM and exited by itself");
        (await Containers.InspectAsync(id, cts.Token)).State!.Running.Should().BeFalse();
    }

    [Fact]
    public async Task StopAsync_ProcessIgnoringTerm_IsKilledAfterTheTimeout()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        // sleep as PID 1 has no handler for SIGTERM, and PID 1 ignores signals it does not handle.
        var id = await scope.StartSleeperAsync(cts.Token);

        await Containers.StopAsync(id, TimeSpan.FromSeconds(1), cts.Token);
        var state = (await Containers.InspectAsync(id, cts.Token)).State!;

        state.Running.Should().BeFalse();
        state.ExitCode.Should().Be(128 + 9, "the engine sent SIGKILL once the timeout passed");
    }

    [Fact]
    public async Task StopAsync_AlreadyStopped_Succeeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);

        await Containers.Invoking(c => c.StopAsync(id, TimeSpan.FromSeconds(1), cts.Token)).Should().NotThrowAsync();
    }

    [Theory]
    [InlineData("KILL", 128 + 9)]
    [InlineData("SIGKILL", 128 + 9)]
    [InlineData("9", 128 + 9)]
    public async Task KillAsync_RunningSleeper_EndsWithSignalExitCode(string signal, int expected)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.StartSleeperAsync(cts.Token);

        await Containers.KillAsync(id, signal, cts.Token);
        var exit = await Containers.WaitAsync(id, cts.Token);

        exit.StatusCode.Should().Be(expected);
    }

    [Fact]
    public async Task KillAsync_SignalTheProcessHandles_ProcessRunsItsHandler()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var (id, attach) = await StartAndAwaitReadyAsync(scope, "trap 'echo got-usr1; exit 7' USR1; echo ready; sleep 300 & wait", cts.Token);
        await using var attached = attach;
        var stdout = attach.Stdout;

        await Containers.KillAsync(id, "USR1", cts.Token);
        using var reader = new StreamReader(stdout, Encoding.UTF8);
        var rest = await reader.ReadToEndAsync(cts.Token);
        var exit = await Containers.WaitAsync(id, cts.Token);

        rest.Should().Contain("got-usr1");
        exit.StatusCode.Should().Be(7);
    }

    [Fact]
    public async Task KillAsync_ContainerNotRunning_ThrowsConflict()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);

        var thrown = await Containers.Invoking(c => c.KillAsync(id, "KILL", cts.Token)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsConflict.Should().BeTrue();
        thrown.Which.EngineMessage.Should().Contain(id).And.Contain("is not running");
    }

    [Fact]
    public async Task ListAsync_WithLabelFilter_ListsOnlyMatchingContainers()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var wanted = Guid.NewGuid().ToString("N");
        ContainerCreateRequest Request(string value) =>
            new() { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith((CaseLabel, value)) };
        var first = await scope.CreateContainerAsync(Request(wanted), cts.Token, _docker.UniqueName("list"));
        var second = await scope.CreateContainerAsync(Request(wanted), cts.Token);
        await scope.CreateContainerAsync(Request("someone-else"), cts.Token);
        var running = await scope.StartSleeperAsync(cts.Token);
        var filter = new Dictionary<string, string?> { [CaseLabel] = wanted };

        var all = await Containers.ListAsync(cts.Token, all: true, labels: filter);
        var runningOnly = await Containers.ListAsync(cts.Token, all: false, labels: filter);
        var runningOfThisRun = await Containers.ListAsync(cts.Token, all: false, labels: _docker.RunFilter);
        var firstName = all.Single(c => c.Id == first).DisplayName;
        var byName = await Containers.ListAsync(cts.Token, labels: filter, name: firstName);

        all.Select(c => c.Id).Should().BeEquivalentTo([first, second]);
        all.Should().AllSatisfy(c =>
        {
            c.State.Should().Be("created");
            c.Image.Should().Be(TestImages.Helper);
            c.Labels.Should().Contain(CaseLabel, wanted);
        });
        runningOnly.Should().BeEmpty("none of them was started");
        runningOfThisRun.Select(c => c.Id).Should().Contain(running);
        firstName.Should().StartWith("va-test-list-");
        byName.Select(c => c.Id).Should().Equal(first);
    }

    [Fact]
    public async Task RemoveAsync_RunningContainer_IsGoneAndRemovingAgainSucceeds()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.StartSleeperAsync(cts.Token);

        await Containers.RemoveAsync(id, cts.Token, force: true);
        var afterRemove = await Containers.TryInspectAsync(id, cts.Token);
        var removeAgain = () => Containers.RemoveAsync(id, cts.Token);

        afterRemove.Should().BeNull();
        await removeAgain.Should().NotThrowAsync("a container already gone counts as removed");
    }

    [Fact]
    public async Task RemoveAsync_RunningContainerWithoutForce_ThrowsConflict()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.StartSleeperAsync(cts.Token);

        var thrown = await Containers.Invoking(c => c.RemoveAsync(id, cts.Token, force: false)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsConflict.Should().BeTrue();
        (await Containers.TryInspectAsync(id, cts.Token)).Should().NotBeNull();
    }

    [Fact]
    public async Task InspectAsync_MissingContainer_ThrowsNotFoundWithEngineMessage()
    {
        var name = _docker.UniqueName("missing");

        var thrown = await Containers.Invoking(c => c.InspectAsync(name, CancellationToken.None)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Operation.Should().Be($"inspect container {name}");
        thrown.Which.EngineMessage.Should().Be($"No such container: {name}");
        (await Containers.TryInspectAsync(name, CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task StartAsync_MissingContainer_ThrowsNotFound()
    {
        var name = _docker.UniqueName("missing");

        var thrown = await Containers.Invoking(c => c.StartAsync(name, CancellationToken.None)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Message.Should().Contain(name);
    }

    [Fact]
    public async Task CreateAsync_MissingImage_ThrowsNotFoundNamingTheImage()
    {
        var image = $"va-test/missing-image:{_docker.TestRunId}";

        var thrown = await Containers.Invoking(c => c.CreateAsync(
                new ContainerCreateRequest { Image = image, Labels = _docker.LabelsWith() }, null, CancellationToken.None))
            .Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Message.Should().Contain(image);
    }

    /// <summary>
    /// A helper as a backup would run one: volume read-only, unprivileged user, no network, no capabilities but
    /// the one it needs, no privilege gain, no logs. Its script prints facts as key=value lines.
    /// </summary>
    private ContainerCreateRequest HardenedRequest(string volume, string testCase) => new()
    {
        Image = TestImages.Helper,
        Entrypoint = ["sh", "-c", ProbeScript, "probe"],
        Cmd = ["first", "second"],
        Env = ["GREETING=hello from the test"],
        User = "65534:65534",
        WorkingDir = "/data",
        Labels = _docker.LabelsWith((CaseLabel, testCase)),
        HostConfig = new HostConfig
        {
            Mounts = [new MountSpec { Type = "volume", Source = volume, Target = "/data", ReadOnly = true }],
            NetworkMode = "none",
            CapDrop = ["ALL"],
            CapAdd = ["DAC_READ_SEARCH"],
            SecurityOpt = ["no-new-privileges"],
            LogConfig = new LogConfig { Type = "none" },
        },
    };

    private const string ProbeScript = """
        echo "args=$0 $*"
        echo "user=$(id -u):$(id -g)"
        echo "cwd=$(pwd)"
        echo "greeting=$GREETING"
        if echo x > /data/probe; then echo "write=ok"; else echo "write=failed"; fi
        echo "interfaces=$(ls /sys/class/net | tr '\n' ' ' | sed 's/ *$//')"
        echo "nonewprivs=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)"
        """;

    private static Dictionary<string, string> ParseFacts(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());

    /// <summary>Starts a shell script (attached before start) and returns once it printed "ready".</summary>
    private async Task<(string Id, IProcessStreams Attach)> StartAndAwaitReadyAsync(TestScope scope, string script, CancellationToken cancellationToken)
    {
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", script],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", LogConfig = new LogConfig { Type = "none" } },
            },
            cancellationToken);
        var attach = await Containers.AttachAsync(id, stdin: false, cancellationToken);
        try
        {
            await Containers.StartAsync(id, cancellationToken);
            // Read the frame byte by byte: nothing after "ready" may be consumed here.
            var seen = new StringBuilder();
            var one = new byte[1];
            while (!seen.ToString().Contains("ready\n", StringComparison.Ordinal))
            {
                if (await attach.Stdout.ReadAsync(one, cancellationToken) == 0)
                {
                    throw new InvalidOperationException($"The container ended before it was ready; it printed: {seen}");
                }

                seen.Append((char)one[0]);
            }

            return (id, attach);
        }
        catch
        {
            await attach.DisposeAsync();
            throw;
        }
    }
}

using VolumeAgent.Control.Client;
using VolumeAgent.Control.Daemon;
using VolumeAgent.Control.Protocol;
using VolumeAgent.IO;
using VolumeAgent.Presentation;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

/// <summary>How a command picks its daemon among the control sockets it finds: real sockets, handlers standing in for daemons.</summary>
public sealed class DaemonConnectorTests : IAsyncDisposable
{
    private static readonly ConfigIdentity Other = new("/srv/a/backup.yml", "/srv/a/state");
    private static readonly ConfigIdentity Mine = new("/srv/b/backup.yml", "/srv/b/state");
    private readonly TempDirectory _directory = new();
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(20));
    private readonly List<ControlServer> _servers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        _timeout.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task TryRequestAsync_SocketOfTheEnvironmentServesAnotherConfig_RefusesNamingBothAndWhatToDo()
    {
        var other = await StartDaemonAsync("other.sock", Other);
        using var notes = new StringWriter();

        var request = async () => await new DaemonConnector(Mine, [other.Path], configured: true)
            .TryRequestAsync(new ControlRequest { Command = ControlCommands.RunNow }, notes, "run its jobs", _timeout.Token);

        var refusal = (await request.Should().ThrowAsync<UsageException>()).Which.Message;
        refusal.Should().Contain($"The daemon on {other.Path} ($VOLUME_AGENT_CONTROL) runs {Other}, not {Mine}; it did nothing.")
            .And.Contain($"--config {Other.Config}")
            .And.Contain("add --no-daemon to run its jobs in this process")
            .And.Contain($"point $VOLUME_AGENT_CONTROL at the control socket of the daemon of {Mine.Config}");
        other.Requests.Should().ContainSingle().Which.Config.Should().Be(Mine.Config, "the daemon decides, from the identity the request carries");
    }

    [Fact]
    public async Task TryRequestAsync_FoundByDefault_PassesADaemonOfAnotherConfigOverForItsOwn()
    {
        var other = await StartDaemonAsync("other.sock", Other);
        var mine = await StartDaemonAsync("mine.sock", Mine);
        using var notes = new StringWriter();
        using var output = new StringWriter();

        await using var client = await new DaemonConnector(Mine, [other.Path, mine.Path], configured: false)
            .TryRequestAsync(new ControlRequest { Command = ControlCommands.Status }, notes, null, _timeout.Token);
        var code = await new ControlConsole(output, notes).RunAsync(client!, _timeout.Token);

        client!.Path.Should().Be(mine.Path);
        code.Should().Be(0);
        output.ToString().Should().Be($"answered by {Mine.Config}\nsecond line\n", "the whole answer is printed, its first event included");
        notes.ToString().Should().BeEmpty();
        mine.Requests.Should().ContainSingle().Which.StateDir.Should().Be(Mine.StateDir);
    }

    [Fact]
    public async Task TryRequestAsync_FoundByDefault_OnlyDaemonsOfOtherConfigs_IsNullAndSaysWhichWerePassedOver()
    {
        var other = await StartDaemonAsync("other.sock", Other);
        using var notes = new StringWriter();

        var client = await new DaemonConnector(Mine, [_directory.Combine("none.sock"), other.Path], configured: false)
            .TryRequestAsync(new ControlRequest { Command = ControlCommands.RunNow }, notes, "run its jobs", _timeout.Token);

        client.Should().BeNull();
        notes.ToString().Should().Be($"Not using the daemon on {other.Path}: it runs {Other}, not {Mine.Config}.\n");
    }

    [Fact]
    public void For_ReadableConfig_IsItsRealPathAndStateDir_AndTriesTheStateDirSocketFirst()
    {
        var root = RealPath.Of(_directory.Path);
        var config = Path.Combine(root, "backup.yml");
        File.WriteAllText(config, $$"""
            state_dir: {{root}}/state
            storage:
              local: { type: local, path: {{root}}/backups }
            jobs:
              nightly:
                storage: [local]
                sources: [{ volume: data }]
            """);

        var connector = DaemonConnector.For($"{root}/./backup.yml", _ => null);

        connector.Identity.Should().Be(new ConfigIdentity(config, $"{root}/state"));
        connector.Paths.Should().Equal($"{root}/state/control.sock", ControlEndpoint.DefaultPath);
    }

    [Fact]
    public void For_ConfigThatCannotBeRead_IsItsPathAlone_AndTriesTheConfiguredSocket()
    {
        var root = RealPath.Of(_directory.Path);

        var connector = DaemonConnector.For(Path.Combine(root, "missing.yml"), name => name == ControlEndpoint.EnvironmentVariable ? "/tmp/x.sock" : null);

        connector.Identity.Should().Be(new ConfigIdentity(Path.Combine(root, "missing.yml"), null));
        connector.Paths.Should().Equal("/tmp/x.sock");
    }

    /// <summary>A daemon of <paramref name="identity"/>: refuses requests of other configurations as the daemon's handler does.</summary>
    private async Task<FakeDaemon> StartDaemonAsync(string name, ConfigIdentity identity)
    {
        var daemon = new FakeDaemon(_directory.Combine(name), identity);
        _servers.Add(await ControlServer.StartAsync(daemon.Path, daemon, _log.Logger, _timeout.Token));
        return daemon;
    }

    private sealed class FakeDaemon(string path, ConfigIdentity identity) : IControlHandler
    {
        private readonly List<ControlRequest> _requests = [];

        public string Path { get; } = path;

        public IReadOnlyList<ControlRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public Task<int> HandleAsync(ControlRequest request, IControlEvents events, CancellationToken cancellationToken)
        {
            lock (_requests)
            {
                _requests.Add(request);
            }

            if (request.Identity() is { } client && !identity.Serves(client))
            {
                events.Post(new ControlEvent { Type = ControlEventTypes.OtherConfig, Config = identity.Config, StateDir = identity.StateDir, Message = "other" });
                return Task.FromResult(ExitCodes.ConfigurationError);
            }

            events.Post(ControlEvent.Text($"answered by {identity.Config}"));
            events.Post(ControlEvent.Text("second line"));
            return Task.FromResult(0);
        }
    }
}

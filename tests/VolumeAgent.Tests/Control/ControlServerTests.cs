using System.Net.Sockets;
using System.Text;
using VolumeAgent.Control.Client;
using VolumeAgent.Control.Daemon;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Presentation;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

/// <summary>The control socket end to end: a real unix socket in a temporary folder, a handler standing in for the daemon.</summary>
public sealed class ControlServerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = new();
    private readonly LogCapture _log = new();
    private readonly CancellationTokenSource _timeout = new(Bound);

    private string SocketPath => _directory.Combine("control.sock");

    public void Dispose()
    {
        _timeout.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Request_HandlerPostsEvents_ClientReadsThemInOrderEndingWithExit()
    {
        var handler = new FakeHandler(async (request, events, _) =>
        {
            events.Post(ControlEvent.Text($"{request.Command} {string.Join(',', request.Args)}"));
            for (var i = 0; i < 500; i++)
            {
                events.Post(ControlEvent.Text($"line {i}"));
            }

            await Task.Yield();
            return 3;
        });
        await using var server = await ControlServer.StartAsync(SocketPath, handler, _log.Logger, _timeout.Token);

        await using var client = (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token))!;
        var events = await ReadAllAsync(client, new ControlRequest { Command = "run-now", Args = ["a", "b"] });

        events[0].Message.Should().Be("run-now a,b");
        events.Skip(1).Take(500).Select(e => e.Message).Should().Equal(Enumerable.Range(0, 500).Select(i => $"line {i}"));
        events[^1].Should().BeEquivalentTo(ControlEvent.Exit(3));
    }

    [Fact]
    public async Task StartAsync_SocketFile_IsReadableAndWritableByItsOwnerOnly()
    {
        await using var server = await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => Task.FromResult(0)), _log.Logger, _timeout.Token);

        File.GetUnixFileMode(SocketPath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task StartAsync_AnotherServerListensOnThePath_Refuses()
    {
        await using var first = await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => Task.FromResult(0)), _log.Logger, _timeout.Token);

        var second = async () => await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => Task.FromResult(0)), _log.Logger, _timeout.Token);

        (await second.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*Another volume-agent daemon already listens*");
    }

    [Fact]
    public async Task StartAsync_StaleSocketFileOfADeadServer_IsReplaced()
    {
        // Bound and never listening: what a daemon killed with SIGKILL leaves, a file nobody answers on.
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(SocketPath));

        (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token)).Should().BeNull("nobody listens on a stale socket");

        await using var server = await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => Task.FromResult(7)), _log.Logger, _timeout.Token);
        await using var client = (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token))!;

        (await ReadAllAsync(client, new ControlRequest { Command = "status" }))[^1].Code.Should().Be(7);
    }

    [Fact]
    public async Task TryConnectAsync_NoSocketFile_ReturnsNull()
    {
        (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token)).Should().BeNull();
    }

    [Fact]
    public async Task Request_ClientClosesItsEnd_HandlerTokenIsCancelled()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeHandler(async (_, _, token) =>
        {
            started.SetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            catch (OperationCanceledException)
            {
                cancelled.SetResult();
                throw;
            }

            return 0;
        });
        await using var server = await ControlServer.StartAsync(SocketPath, handler, _log.Logger, _timeout.Token);
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), _timeout.Token);
            await socket.SendAsync("{\"command\":\"run-now\"}\n"u8.ToArray(), _timeout.Token);
            await started.Task.WaitAsync(_timeout.Token);
        }

        await cancelled.Task.WaitAsync(_timeout.Token);
    }

    [Fact]
    public async Task Request_OfAnotherProtocolVersion_IsRefusedWithExitCode2()
    {
        var called = false;
        await using var server = await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => { called = true; return Task.FromResult(0); }), _log.Logger, _timeout.Token);
        await using var client = (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token))!;

        var events = await ReadAllAsync(client, new ControlRequest { Protocol = 99, Command = "status" });

        events.Should().Contain(e => e.Type == ControlEventTypes.Error && e.Message!.Contains("protocol 1", StringComparison.Ordinal));
        events[^1].Code.Should().Be(ExitCodes.ConfigurationError);
        called.Should().BeFalse();
    }

    [Fact]
    public async Task Request_LineThatIsNotJson_GetsAnErrorAndExitCode2()
    {
        await using var server = await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => Task.FromResult(0)), _log.Logger, _timeout.Token);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), _timeout.Token);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync("hello daemon\n"u8.ToArray(), _timeout.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);

        var first = await reader.ReadLineAsync(_timeout.Token);
        var second = await reader.ReadLineAsync(_timeout.Token);

        first.Should().StartWith("{\"type\":\"error\",\"message\":\"Bad control request:");
        second.Should().Be("{\"type\":\"exit\",\"code\":2}");
    }

    [Fact]
    public async Task Request_HandlerThrows_ClientGetsTheMessageAndExitCode1AndTheServerGoesOn()
    {
        var calls = 0;
        var handler = new FakeHandler((_, _, _) => Interlocked.Increment(ref calls) == 1
            ? throw new InvalidOperationException("storage is gone")
            : Task.FromResult(0));
        await using var server = await ControlServer.StartAsync(SocketPath, handler, _log.Logger, _timeout.Token);

        await using (var client = (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token))!)
        {
            var events = await ReadAllAsync(client, new ControlRequest { Command = "status" });
            events.Should().Contain(e => e.Type == ControlEventTypes.Error && e.Message!.Contains("storage is gone", StringComparison.Ordinal));
            events[^1].Code.Should().Be(ExitCodes.Failure);
        }

        await using var again = (await ControlClient.TryConnectAsync(SocketPath, _timeout.Token))!;
        (await ReadAllAsync(again, new ControlRequest { Command = "status" }))[^1].Code.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_RemovesTheSocketFile()
    {
        var server = await ControlServer.StartAsync(SocketPath, new FakeHandler((_, _, _) => Task.FromResult(0)), _log.Logger, _timeout.Token);

        await server.DisposeAsync();

        File.Exists(SocketPath).Should().BeFalse();
    }

    private async Task<List<ControlEvent>> ReadAllAsync(ControlClient client, ControlRequest request)
    {
        var events = new List<ControlEvent>();
        await foreach (var item in client.RequestAsync(request, _timeout.Token))
        {
            events.Add(item);
        }

        return events;
    }

    private sealed class FakeHandler(Func<ControlRequest, IControlEvents, CancellationToken, Task<int>> handle) : IControlHandler
    {
        public Task<int> HandleAsync(ControlRequest request, IControlEvents events, CancellationToken cancellationToken) =>
            handle(request, events, cancellationToken);
    }
}

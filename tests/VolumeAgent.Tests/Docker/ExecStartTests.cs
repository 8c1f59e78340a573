using System.Net;
using System.Net.Sockets;
using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Tests.Docker;

/// <summary>
/// The exec start written by hand (<see cref="ExecStart"/>) and its output taken apart (<see cref="ExecStream"/>)
/// against an engine on a unix socket that answers as the real one does, or as one behind a proxy that dropped the
/// connection upgrade does.
/// </summary>
public sealed class ExecStartTests
{
    private const string Upgraded = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    private const string NotUpgraded = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: close\r\n\r\n";
    private static readonly byte[] First = Frames.Bytes(100_000, 1);
    private static readonly byte[] Second = Frames.Bytes(300_001, 2);

    private static byte[] Output => Frames.Build((1, First), (2, "warn: one\n"u8.ToArray()), (1, Second), (1, []), (2, "warn: two\n"u8.ToArray()), (1, "end\n"u8.ToArray()));

    private static byte[] Stdout => [.. First, .. Second, .. "end\n"u8];

    [Fact]
    public async Task Upgraded_StdoutApartFromStderr_StdinReachesTheCommandAndCloseStdinEndsIt()
    {
        await using var engine = await ExecEngine.StartAsync([.. Encoding.ASCII.GetBytes(Upgraded), .. Output], readStdin: true);
        using var connection = new EngineConnection(DockerEndpoint.Unix(engine.Path), new EngineOptions());
        await using var exec = await ExecStart.StartAsync(connection, "abc", stdin: true, "start exec abc", CancellationToken.None);
        var sink = new List<byte>();
        exec.StderrSink = data => sink.AddRange(data.ToArray());

        await exec.Stdin.WriteAsync("input\n"u8.ToArray());
        exec.CloseStdin();
        using var stdout = new MemoryStream();
        await exec.Stdout.CopyToAsync(stdout, 7_000);

        stdout.ToArray().Should().Equal(Stdout);
        exec.Stderr.ToString().Should().Be("warn: one\nwarn: two", "the tail is trimmed");
        Encoding.ASCII.GetString([.. sink]).Should().Be("warn: one\nwarn: two\n");
        (await engine.StdinAsync()).Should().Be("input\n");
        engine.Request.Should().StartWith("POST /v1.41/exec/abc/start HTTP/1.1\r\n").And.Contain("Upgrade: tcp\r\n").And.EndWith("{\"Detach\":false,\"Tty\":false}");
        (await exec.Stdout.ReadAsync(new byte[10])).Should().Be(0, "the end is kept");
    }

    [Fact]
    public async Task AnsweredWithoutUpgrade_NoStdin_OutputIsReadToTheConnectionsClose()
    {
        await using var engine = await ExecEngine.StartAsync([.. Encoding.ASCII.GetBytes(NotUpgraded), .. Output], readStdin: false);
        using var connection = new EngineConnection(DockerEndpoint.Unix(engine.Path), new EngineOptions());
        await using var exec = await ExecStart.StartAsync(connection, "abc", stdin: false, "start exec abc", CancellationToken.None);

        using var stdout = new MemoryStream();
        await exec.Stdout.CopyToAsync(stdout);

        stdout.ToArray().Should().Equal(Stdout);
        exec.Stderr.ToString().Should().Be("warn: one\nwarn: two", "the tail is trimmed");
    }

    [Fact]
    public async Task AnsweredWithoutUpgrade_WithStdin_FailsNamingTheEndpointAndTheFix()
    {
        await using var engine = await ExecEngine.StartAsync([.. Encoding.ASCII.GetBytes(NotUpgraded), .. Output], readStdin: true);
        using var connection = new EngineConnection(DockerEndpoint.Unix(engine.Path), new EngineOptions());

        var act = () => ExecStart.StartAsync(connection, "abc", stdin: true, "start exec abc", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<ExecUpgradeRefusedException>()).Which;
        error.Message.Should().Contain("start exec abc").And.Contain("POST /exec/abc/start was answered 200 instead of 101")
            .And.Contain("haproxy 3.1 or later").And.Contain("haproxy#2684");
        (await engine.StdinAsync()).Should().BeEmpty("nothing was written after the request");
    }

    [Theory]
    [InlineData("403 Forbidden", "text/html", "<html><body><h1>403 Forbidden</h1></body></html>", HttpStatusCode.Forbidden,
        "*refused POST /exec/abc/start (HTTP 403, not the engine's answer): allow EXEC and POST*")]
    [InlineData("404 Not Found", "application/json", "{\"message\":\"No such exec instance: abc\"}", HttpStatusCode.NotFound,
        "Docker engine refused to start exec abc (HTTP 404): No such exec instance: abc")]
    [InlineData("409 Conflict", "application/json", "{\"message\":\"Container db is paused, unpause the container before exec\"}", HttpStatusCode.Conflict,
        "*(HTTP 409): Container db is paused*")]
    public async Task Refused_ThrowsTheAgentsErrorWithTheEnginesOrTheProxysWords(string status, string type, string body, HttpStatusCode code, string message)
    {
        var answer = $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        await using var engine = await ExecEngine.StartAsync(Encoding.UTF8.GetBytes(answer), readStdin: false);
        using var connection = new EngineConnection(DockerEndpoint.Unix(engine.Path), new EngineOptions());

        var act = () => ExecStart.StartAsync(connection, "abc", stdin: false, "start exec abc", CancellationToken.None);

        var error = (await act.Should().ThrowAsync<DockerApiException>()).Which;
        error.StatusCode.Should().Be(code);
        error.Message.Should().Match(message);
    }

    [Fact]
    public async Task OutputCutInsideAFrame_FailsSayingHowMuchCame()
    {
        var output = Output;
        await using var engine = await ExecEngine.StartAsync([.. Encoding.ASCII.GetBytes(Upgraded), .. output.AsSpan(0, output.Length - 2)], readStdin: false);
        using var connection = new EngineConnection(DockerEndpoint.Unix(engine.Path), new EngineOptions());
        await using var exec = await ExecStart.StartAsync(connection, "abc", stdin: false, "start exec abc", CancellationToken.None);

        var act = () => exec.Stdout.CopyToAsync(Stream.Null);

        (await act.Should().ThrowAsync<EndOfStreamException>()).Which.Message.Should().Contain("ended inside a frame").And.Contain("bytes of stdout and 20 of stderr");
    }

    [Fact]
    public async Task TtyOutput_FailsSayingItIsNotMultiplexed()
    {
        await using var engine = await ExecEngine.StartAsync(Encoding.ASCII.GetBytes(Upgraded + "plain terminal text\r\n"), readStdin: false);
        using var connection = new EngineConnection(DockerEndpoint.Unix(engine.Path), new EngineOptions());
        await using var exec = await ExecStart.StartAsync(connection, "abc", stdin: false, "start exec abc", CancellationToken.None);

        var act = () => exec.DrainAsync(CancellationToken.None);

        (await act.Should().ThrowAsync<InvalidDataException>()).Which.Message.Should().Contain("not a multiplexed stream").And.Contain("TTY");
    }

    /// <summary>Answers /version, and the exec start with <c>answer</c> written in small pieces; then reads stdin to its end, or not, and closes.</summary>
    private sealed class ExecEngine : IAsyncDisposable
    {
        private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly TaskCompletionSource<string> _stdin = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _serving = Task.CompletedTask;

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"exec-engine-{Guid.NewGuid():N}.sock");

        public string Request { get; private set; } = string.Empty;

        public static Task<ExecEngine> StartAsync(byte[] answer, bool readStdin)
        {
            var engine = new ExecEngine();
            engine._listener.Bind(new UnixDomainSocketEndPoint(engine.Path));
            engine._listener.Listen(4);
            engine._serving = engine.ServeAsync(answer, readStdin);
            return Task.FromResult(engine);
        }

        public Task<string> StdinAsync() => _stdin.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _serving.WaitAsync(TimeSpan.FromSeconds(30));
            File.Delete(Path);
        }

        private async Task ServeAsync(byte[] answer, bool readStdin)
        {
            while (true)
            {
                using var socket = await _listener.AcceptAsync();
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                var request = await ReadRequestAsync(stream);
                if (request.StartsWith("GET /version ", StringComparison.Ordinal))
                {
                    const string body = "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\"}";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
                    continue;
                }

                Request = request;
                var stdin = new MemoryStream();
                try
                {
                    for (var at = 0; at < answer.Length; at += 7_777)
                    {
                        await stream.WriteAsync(answer.AsMemory(at, Math.Min(7_777, answer.Length - at)));
                    }

                    if (readStdin)
                    {
                        await stream.CopyToAsync(stdin);
                    }
                }
                catch (IOException)
                {
                    // The client has closed the connection: what it sent before that is in stdin.
                }

                _stdin.TrySetResult(Encoding.ASCII.GetString(stdin.ToArray()));
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // Already closed by the client.
                }

                return;
            }
        }

        private static async Task<string> ReadRequestAsync(NetworkStream stream)
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (!Encoding.ASCII.GetString([.. head]).EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(one) == 1)
            {
                head.Add(one[0]);
            }

            var text = Encoding.ASCII.GetString([.. head]);
            var length = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))?.Split(':')[1].Trim();
            var body = new byte[length is null ? 0 : int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(body);
            return text + Encoding.ASCII.GetString(body);
        }
    }
}

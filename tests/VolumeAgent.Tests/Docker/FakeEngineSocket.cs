using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace VolumeAgent.Tests.Docker;

/// <summary>
/// An engine on a unix socket that answers as the real one does to the few requests the engine tests make: its version
/// (API <c>apiVersion</c>), container <c>db</c>, and 404 for anything else; volume <c>proxy-refused</c> is refused as a
/// socket proxy refuses (403, haproxy's HTML page) and volume <c>plugin-denied</c> as an authorization plugin does (403, JSON); a pause of
/// container <c>busy</c> is refused as runc refuses one it cannot freeze (500, "unable to freeze") the first <c>freezeRefusals</c> times, then
/// done (204). It keeps each request line, so a test can see which API version the client asked in.
/// </summary>
internal sealed class FakeEngineSocket : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _apiVersion;
    private int _freezeRefusals;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _requestLines = new();
    private Task _serving = Task.CompletedTask;

    private FakeEngineSocket(string path, string apiVersion)
    {
        Path = path;
        _apiVersion = apiVersion;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    }

    public string Path { get; }

    public IReadOnlyList<string> RequestLines => [.. _requestLines];

    public static Task<FakeEngineSocket> StartAsync(string apiVersion, int freezeRefusals = 0)
    {
        var engine = new FakeEngineSocket(System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fake-engine-{Guid.NewGuid():N}.sock"), apiVersion)
        {
            _freezeRefusals = freezeRefusals,
        };
        engine._listener.Bind(new UnixDomainSocketEndPoint(engine.Path));
        engine._listener.Listen(8);
        engine._serving = engine.ServeAsync();
        return Task.FromResult(engine);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        try
        {
            await _serving;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        File.Delete(Path);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var connection = await _listener.AcceptAsync(_stop.Token);
            await using var stream = new NetworkStream(connection, ownsSocket: false);
            var head = await ReadHeadAsync(stream);
            var requestLine = head.Split("\r\n")[0];
            _requestLines.Enqueue(requestLine);
            var path = requestLine.Split(' ')[1];
            var (status, body) = Answer(path);
            var type = status.StartsWith("403", StringComparison.Ordinal) && !body.StartsWith('{') ? "text/html" : "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            var response = $"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), _stop.Token);
            await stream.WriteAsync(bytes, _stop.Token);
            connection.Shutdown(SocketShutdown.Both);
        }
    }

    private (string Status, string Body) Answer(string path)
    {
        if (path == "/version")
        {
            return ("200 OK", $"{{\"Version\":\"20.10.0-fake\",\"ApiVersion\":\"{_apiVersion}\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}}");
        }

        if (path.EndsWith("/containers/db/json", StringComparison.Ordinal))
        {
            return ("200 OK", "{\"Id\":\"0123456789ab\",\"Name\":\"/db\",\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":42},\"Config\":{\"Image\":\"postgres:15\",\"Tty\":false},\"Mounts\":[]}");
        }

        if (path.EndsWith("/containers/busy/pause", StringComparison.Ordinal))
        {
            return _freezeRefusals-- > 0
                ? ("500 Internal Server Error", "{\"message\":\"Cannot pause container busy: OCI runtime pause failed: unable to freeze: unknown\"}")
                : ("204 No Content", string.Empty);
        }

        var name = path.Split('/')[^1];
        if (name == "proxy-refused")
        {
            return ("403 Forbidden", "<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n");
        }

        if (name == "plugin-denied")
        {
            return ("403 Forbidden", "{\"message\":\"authorization denied by plugin policy\"}");
        }

        return ("404 Not Found", $"{{\"message\":\"get {name}: no such volume\"}}");
    }

    private async Task<string> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new byte[8192];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
            if (read == 0)
            {
                break;
            }

            filled += read;
            if (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, filled);
    }
}

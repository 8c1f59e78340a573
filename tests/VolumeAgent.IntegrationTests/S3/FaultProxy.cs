using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VolumeAgent.IntegrationTests.S3;

/// <summary>What the proxy does with one request.</summary>
internal enum Fault
{
    /// <summary>Forward it to the server.</summary>
    None,

    /// <summary>Read the request, answer 500 InternalError.</summary>
    Status500,

    /// <summary>Read the request, answer 503 SlowDown.</summary>
    Status503,

    /// <summary>Read part of the body, then reset the connection (RST).</summary>
    Reset,

    /// <summary>Read the request's head, then answer nothing and keep the connection open (a server that hangs).</summary>
    Hang,
}

/// <summary>One request as the proxy saw it: method and target (path and query).</summary>
internal sealed record ProxiedRequest(string Method, string Target)
{
    public bool IsPartUpload => Method == "PUT" && Target.Contains("partNumber=", StringComparison.Ordinal);

    /// <summary>The <c>uploadId</c> query value, or null.</summary>
    public string? UploadId
    {
        get
        {
            var query = Target.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? Target[(q + 1)..] : string.Empty;
            return query.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "uploadId") is [_, var id] ? Uri.UnescapeDataString(id) : null;
        }
    }
}

/// <summary>
/// An HTTP/1.1 proxy on 127.0.0.1 in front of the S3 server: it records every request and, as <see cref="Rule"/> says,
/// answers a request with a 5xx or resets its connection instead of forwarding it. One request per connection
/// (it adds <c>Connection: close</c>), which keeps the forwarding a plain byte pipe.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly int _upstreamPort;

    public FaultProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Decides each request's fault; it may also act (e.g. stop the server) before the request goes on.</summary>
    public Func<ProxiedRequest, Fault> Rule { get; set; } = _ => Fault.None;

    public ConcurrentQueue<ProxiedRequest> Requests { get; } = new();

    /// <summary>Upload ids that had parts sent but were neither completed (POST) nor aborted (DELETE).</summary>
    public IReadOnlyList<string> UploadsNotEnded()
    {
        var requests = Requests.ToList();
        var ended = requests.Where(r => r.Method is "POST" or "DELETE").Select(r => r.UploadId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return [.. requests.Where(r => r.IsPartUpload).Select(r => r.UploadId!).Distinct().Where(id => !ended.Contains(id))];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var owned = client;
        try
        {
            var stream = client.GetStream();
            var (head, rest) = await ReadHeadAsync(stream);
            if (head is null)
            {
                return;
            }

            var lines = head.Split("\r\n");
            var requestLine = lines[0].Split(' ');
            var request = new ProxiedRequest(requestLine[0], requestLine[1]);
            Requests.Enqueue(request);
            var length = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(p => long.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            var expectsContinue = lines.Any(l => l.StartsWith("Expect:", StringComparison.OrdinalIgnoreCase) && l.Contains("100-continue", StringComparison.OrdinalIgnoreCase));
            switch (Rule(request))
            {
                case Fault.Status500:
                    await AnswerAsync(stream, rest, length, expectsContinue, "500 Internal Server Error", "InternalError");
                    return;
                case Fault.Status503:
                    await AnswerAsync(stream, rest, length, expectsContinue, "503 Slow Down", "SlowDown");
                    return;
                case Fault.Reset:
                    client.Client.LingerState = new LingerOption(true, 0);
                    return;
                case Fault.Hang:
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                    return;
            }

            using var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            }
            catch (SocketException)
            {
                // The server is down: the client sees its connection reset, as with a dead endpoint behind a balancer.
                client.Client.LingerState = new LingerOption(true, 0);
                return;
            }

            var server = upstream.GetStream();
            var kept = lines.Where(l => !l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase) && l.Length > 0);
            await server.WriteAsync(Encoding.ASCII.GetBytes(string.Join("\r\n", kept) + "\r\nConnection: close\r\n\r\n"), _stop.Token);
            await server.WriteAsync(rest, _stop.Token);
            _ = stream.CopyToAsync(server, _stop.Token);
            await server.CopyToAsync(stream, _stop.Token);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection ended; the client sees that as it would without the proxy.
        }
    }

    private async Task AnswerAsync(NetworkStream stream, byte[] rest, long length, bool expectsContinue, string status, string code)
    {
        if (expectsContinue)
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), _stop.Token);
        }

        var buffer = new byte[81920];
        for (var left = length - rest.Length; left > 0;)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), _stop.Token);
            if (read == 0)
            {
                return;
            }

            left -= read;
        }

        var body = $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test</Message></Error>";
        var answer = $"HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(answer), _stop.Token);
    }

    private async Task<(string? Head, byte[] Body)> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new byte[65536];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
            if (read == 0)
            {
                return (null, []);
            }

            filled += read;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(buffer, 0, end), buffer[(end + 4)..filled]);
            }
        }

        return (null, []);
    }
}

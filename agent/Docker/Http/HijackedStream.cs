using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

/// <summary>
/// A connection the engine has taken over after answering an HTTP request (exec start, attach): reads are
/// the process's multiplexed output, writes are its stdin, and <see cref="CloseWrite"/> sends end-of-file
/// while output keeps flowing. HttpClient cannot half-close, so this speaks the little HTTP it needs itself.
/// </summary>
internal sealed class HijackedStream : Stream
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly NetworkStream _network;
    private byte[]? _leftover;
    private int _leftoverOffset;
    private int _leftoverCount;
    private int _disposed;

    private HijackedStream(NetworkStream network, byte[] leftover, int offset, int count)
    {
        _network = network;
        if (count > 0)
        {
            _leftover = leftover;
            _leftoverOffset = offset;
            _leftoverCount = count;
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public static async Task<HijackedStream> OpenAsync(
        DockerEndpoint endpoint, string pathAndQuery, byte[]? jsonBody, string operation, CancellationToken cancellationToken)
    {
        NetworkStream network;
        try
        {
            network = await endpoint.ConnectAsync(cancellationToken);
        }
        catch (SocketException ex)
        {
            throw new DockerUnavailableException(endpoint, ex);
        }

        try
        {
            // Cancellation while the headers are awaited must not leave the connection open.
            await using var registration = cancellationToken.Register(static s => ((NetworkStream)s!).Dispose(), network);
            var request = new StringBuilder()
                .Append("POST ").Append(pathAndQuery).Append(" HTTP/1.1\r\n")
                .Append("Host: ").Append(endpoint.BaseAddress.Authority).Append("\r\n")
                .Append("User-Agent: ").Append(DockerClient.UserAgent).Append("\r\n")
                .Append("Connection: Upgrade\r\nUpgrade: tcp\r\n")
                .Append("Content-Type: application/json\r\n")
                .Append("Content-Length: ").Append(jsonBody?.Length ?? 0).Append("\r\n\r\n")
                .ToString();
            await network.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            if (jsonBody is { Length: > 0 })
            {
                await network.WriteAsync(jsonBody, cancellationToken);
            }

            await network.FlushAsync(cancellationToken);
            return await ReadResponseAsync(network, operation, cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException && cancellationToken.IsCancellationRequested)
        {
            await network.DisposeAsync();
            throw new OperationCanceledException($"Cancelled while waiting to {operation}.", ex, cancellationToken);
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ends the stdin side: the process reads end-of-file; its output keeps coming.</summary>
    public void CloseWrite()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _network.Socket.Shutdown(SocketShutdown.Send);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_leftover is not null)
        {
            var n = Math.Min(buffer.Length, _leftoverCount);
            _leftover.AsMemory(_leftoverOffset, n).CopyTo(buffer);
            _leftoverOffset += n;
            _leftoverCount -= n;
            if (_leftoverCount == 0)
            {
                _leftover = null;
            }

            return n;
        }

        return await _network.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _network.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _network.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _network.Write(buffer, offset, count);

    public override void Flush() => _network.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _network.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _network.Dispose();
        }

        base.Dispose(disposing);
    }

    private static async Task<HijackedStream> ReadResponseAsync(NetworkStream network, string operation, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        var filled = 0;
        int headerEnd;
        while ((headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= MaxHeaderBytes)
                {
                    throw new InvalidDataException($"The engine's answer to '{operation}' has headers over {MaxHeaderBytes} bytes.");
                }

                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await network.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                throw new IOException($"The engine closed the connection before answering '{operation}'.");
            }

            filled += read;
        }

        var head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
        var statusLine = head.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ', 3);
        if (parts.Length < 2 || !int.TryParse(parts[1], out var status))
        {
            throw new InvalidDataException($"The engine's answer to '{operation}' is not HTTP: '{statusLine}'.");
        }

        var bodyStart = headerEnd + 4;
        if (status is 101 or 200)
        {
            return new HijackedStream(network, buffer, bodyStart, filled - bodyStart);
        }

        // An error: the body is a small JSON document; read what is there (bounded) for the engine's message.
        using var body = new MemoryStream();
        body.Write(buffer, bodyStart, filled - bodyStart);
        var contentLength = ParseContentLength(head);
        var chunk = new byte[4096];
        while (body.Length < (contentLength ?? MaxHeaderBytes) && body.Length < MaxHeaderBytes)
        {
            var read = await network.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                break;
            }

            body.Write(chunk, 0, read);
        }

        await network.DisposeAsync();
        throw new DockerApiException(operation, (HttpStatusCode)status, ExtractMessage(body.ToArray()));
    }

    private static long? ParseContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(line[(colon + 1)..].Trim(), out var length))
            {
                return length;
            }
        }

        return null;
    }

    internal static string? ExtractMessage(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            var error = JsonSerializer.Deserialize(body, DockerJsonContext.Default.ErrorResponse);
            if (!string.IsNullOrWhiteSpace(error?.Message))
            {
                return error.Message;
            }
        }
        catch (JsonException)
        {
            // Not JSON: the raw text is the best message there is.
        }

        return Encoding.UTF8.GetString(body).Trim();
    }
}

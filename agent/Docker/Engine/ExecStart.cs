using System.Globalization;
using System.Net;
using System.Text;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// Starts a created exec with its stdio on a connection of the agent's own (<see cref="EngineConnection.OpenAsync"/>):
/// <c>POST /exec/{id}/start</c> asking to upgrade the connection, its answer's head read into the buffer the exec's
/// output is then read from (<see cref="ExecStream"/>). The engine's <c>101</c> hands over the connection both ways.
/// A <c>200</c> raw stream is what the engine answers when something on the way dropped the <c>Upgrade</c> header
/// (haproxy 2.4 to 3.0 as a socket proxy, haproxy#2684): the output still follows, to the connection's close, but
/// nothing written after the request reaches the engine, so it serves an exec without stdin and fails one with stdin
/// (<see cref="ExecUpgradeRefusedException"/>) before anything is written to it. Any other answer is the engine's
/// (or a proxy's) refusal, said as the library's calls say theirs (<see cref="EngineErrors"/>, <see cref="ProxyRefusals"/>).
/// </summary>
internal static class ExecStart
{
    private const int MaxHeadBytes = 16 * 1024;
    private const int MaxErrorBodyBytes = 64 * 1024;
    private const string Body = """{"Detach":false,"Tty":false}""";

    /// <summary>Starts exec <paramref name="execId"/>; the returned stream owns the connection.</summary>
    public static async Task<ExecStream> StartAsync(
        EngineConnection engine, string execId, bool stdin, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var path = $"/v{await engine.GetApiVersionAsync(cancellationToken)}/exec/{Uri.EscapeDataString(execId)}/start";
        Stream? connection = null;
        try
        {
            connection = await engine.OpenAsync(cancellationToken);
            var request = $"POST {path} HTTP/1.1\r\nHost: {engine.HostHeader}\r\nUser-Agent: volume-agent\r\n"
                + $"Content-Type: application/json\r\nContent-Length: {Body.Length}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n{Body}";
            await connection.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            await connection.FlushAsync(cancellationToken);

            var buffer = new byte[ExecStream.BufferSize];
            var (head, offset, count) = await ReadHeadAsync(connection, buffer, cancellationToken);
            var answer = Answer.Parse(head);
            if (answer.Status == HttpStatusCode.SwitchingProtocols
                || (answer.Status == HttpStatusCode.OK && answer.IsRawStream && !stdin))
            {
                if (answer.Chunked)
                {
                    throw new InvalidDataException(
                        $"The answer to POST {path} is a chunked body where the exec's raw output was expected: a proxy in front of the engine rewrote it. "
                        + "Use a proxy that passes the connection upgrade (haproxy 3.1 or later), or none.");
                }

                var stream = new ExecStream(connection, buffer, offset, count);
                connection = null;
                return stream;
            }

            if (answer.Status == HttpStatusCode.OK && answer.IsRawStream)
            {
                throw new ExecUpgradeRefusedException(operation, ExecUpgradeRefusedException.Explain(SocketProxyCategory.WithoutVersion(path)));
            }

            if (ProxyRefusals.IsProxyRefusal(answer.Status, answer.ContentType))
            {
                throw new DockerApiException(operation, HttpStatusCode.Forbidden, new RequestRefusedException("POST", path).Message);
            }

            var body = await ReadErrorBodyAsync(connection, buffer.AsMemory(offset, count), answer.ContentLength, cancellationToken);
            throw new DockerApiException(operation, answer.Status, EngineErrors.EngineMessage(body));
        }
        catch (Exception ex) when (EngineErrors.Map(ex, operation, engine.Endpoint, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Reads up to the end of the answer's head; returns the head and where the bytes after it lie in <paramref name="buffer"/>.</summary>
    private static async Task<(string Head, int Offset, int Count)> ReadHeadAsync(Stream connection, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (true)
        {
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                return (Encoding.ASCII.GetString(buffer, 0, end), end + 4, filled - end - 4);
            }

            if (filled >= MaxHeadBytes)
            {
                throw new InvalidDataException($"The engine's answer to an exec start has no end of its head within {MaxHeadBytes} bytes: it is not HTTP.");
            }

            var read = await connection.ReadAsync(buffer.AsMemory(filled, MaxHeadBytes - filled), cancellationToken);
            if (read == 0)
            {
                throw new IOException("The engine closed the connection before answering the exec start.");
            }

            filled += read;
        }
    }

    /// <summary>An error answer's body (it is short): as long as its Content-Length says, else to the connection's close.</summary>
    private static async Task<string> ReadErrorBodyAsync(Stream connection, ReadOnlyMemory<byte> already, long? length, CancellationToken cancellationToken)
    {
        var limit = (int)Math.Min(length ?? MaxErrorBodyBytes, MaxErrorBodyBytes);
        var body = new byte[limit];
        var filled = Math.Min(already.Length, limit);
        already[..filled].CopyTo(body);
        while (filled < limit)
        {
            var read = await connection.ReadAsync(body.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return Encoding.UTF8.GetString(body, 0, filled);
    }

    /// <summary>The parts of an answer's head that decide what follows it.</summary>
    private sealed record Answer(HttpStatusCode Status, string? ContentType, long? ContentLength, bool Chunked)
    {
        public bool IsRawStream => ContentType is "application/vnd.docker.raw-stream" or "application/vnd.docker.multiplexed-stream";

        public static Answer Parse(string head)
        {
            var lines = head.Split("\r\n");
            var status = lines[0].Split(' ', 3);
            if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
                || !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                throw new InvalidDataException($"The engine's answer to an exec start does not begin with an HTTP status line: '{lines[0]}'.");
            }

            string? type = null;
            long? length = null;
            var chunked = false;
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0)
                {
                    continue;
                }

                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    type = value.Split(';')[0].Trim().ToLowerInvariant();
                }
                else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                    && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    length = parsed;
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
                }
            }

            return new Answer((HttpStatusCode)code, type, length, chunked);
        }
    }
}

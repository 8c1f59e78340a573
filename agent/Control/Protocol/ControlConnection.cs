using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace VolumeAgent.Control.Protocol;

/// <summary>
/// One end of a control socket connection: JSON objects, one per line. Reads and writes may run at the same
/// time (a socket is full duplex), but writes are serialised among themselves.
/// </summary>
internal sealed class ControlConnection : IAsyncDisposable
{
    /// <summary>A request is one short line; anything longer is not a client of ours.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    /// <summary>The status report of many jobs is the longest event.</summary>
    public const int MaxEventBytes = 4 * 1024 * 1024;

    private readonly Stream _stream;
    private readonly ControlLineReader _reader;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private int _disposed;

    public ControlConnection(Stream stream, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _reader = new ControlLineReader(stream, maxLineBytes);
    }

    /// <summary>The next object, or null when the peer closed the connection between lines.</summary>
    /// <exception cref="ControlProtocolException">The line is not a JSON object of the expected shape.</exception>
    public async ValueTask<T?> ReadAsync<T>(JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        var line = await _reader.ReadLineAsync(cancellationToken);
        if (line is not { } bytes)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes.Span, typeInfo)
                ?? throw new ControlProtocolException("A control message is `null`; a JSON object was expected.");
        }
        catch (JsonException ex)
        {
            throw new ControlProtocolException($"A control message is not valid: {ex.Message}", ex);
        }
    }

    public async ValueTask WriteAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            _output.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(_output))
            {
                JsonSerializer.Serialize(json, value, typeInfo);
            }

            _output.GetSpan(1)[0] = (byte)'\n';
            _output.Advance(1);
            await _stream.WriteAsync(_output.WrittenMemory, cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Completes when the peer closes its end (or the connection breaks); bytes it sends meanwhile are ignored. For
    /// the side that has read everything it expects and must notice a peer that went away.
    /// </summary>
    public async Task WaitForPeerCloseAsync(CancellationToken cancellationToken)
    {
        var scratch = new byte[256];
        try
        {
            while (await _stream.ReadAsync(scratch, cancellationToken) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // A broken connection is a closed one.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stream.DisposeAsync();
        _reader.Dispose();
        _writeGate.Dispose();
    }
}

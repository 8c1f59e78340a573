using System.Net.Sockets;
using System.Security.Cryptography;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Tests.Docker;

public sealed class UnixSocketStreamTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"unix-stream-{Guid.NewGuid():N}.sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public UnixSocketStreamTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(1);
    }

    public void Dispose()
    {
        _listener.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public async Task Read_SmallAndLargeReadsMixed_GiveBackExactlyTheBytesSentInOrder()
    {
        // More than a few buffers' worth, sent in uneven writes, read back in reads of every size the library makes:
        // 8-byte frame headers, lines, pieces of a chunk, and reads larger than the stream's buffer.
        var sent = RandomNumberGenerator.GetBytes((3 * UnixSocketStream.BufferSize) + 12345);
        var accepted = _listener.AcceptAsync();
        await using var stream = await UnixSocketStream.ConnectAsync(_path, CancellationToken.None);
        using var server = await accepted;
        var sending = Task.Run(async () =>
        {
            for (int offset = 0, size = 1; offset < sent.Length; offset += size, size = Math.Min((size * 3) + 7, 70_000))
            {
                await server.SendAsync(sent.AsMemory(offset, Math.Min(size, sent.Length - offset)));
            }

            server.Shutdown(SocketShutdown.Send);
        });

        var received = new MemoryStream();
        int[] sizes = [8, 1, 8192, 8, 32768, UnixSocketStream.BufferSize, 3, UnixSocketStream.BufferSize * 2];
        var buffer = new byte[UnixSocketStream.BufferSize * 2];
        for (var i = 0; ; i++)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, sizes[i % sizes.Length]));
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        await sending;
        received.ToArray().Should().Equal(sent);
    }

    [Fact]
    public async Task CloseWrite_EndsTheSendingSideOnly_TheAnswerStillArrives()
    {
        var accepted = _listener.AcceptAsync();
        await using var stream = (UnixSocketStream)await UnixSocketStream.ConnectAsync(_path, CancellationToken.None);
        using var server = await accepted;

        await stream.WriteAsync("stdin"u8.ToArray());
        stream.CloseWrite();

        // The server reads to the end of what was sent (the process sees the end of its stdin), then answers.
        var request = new MemoryStream();
        var chunk = new byte[64];
        int got;
        while ((got = await server.ReceiveAsync(chunk)) > 0)
        {
            request.Write(chunk, 0, got);
        }

        await server.SendAsync("stdout"u8.ToArray());
        server.Shutdown(SocketShutdown.Send);

        request.ToArray().Should().Equal("stdin"u8.ToArray());
        var answer = new byte[16];
        var read = await stream.ReadAsync(answer);
        answer.AsSpan(0, read).ToArray().Should().Equal("stdout"u8.ToArray());
        (await stream.ReadAsync(answer)).Should().Be(0);
    }

    [Fact]
    public async Task ConnectAsync_NoSocketThere_Throws()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.sock");
        var connect = () => UnixSocketStream.ConnectAsync(missing, CancellationToken.None);
        await connect.Should().ThrowAsync<SocketException>();
    }
}

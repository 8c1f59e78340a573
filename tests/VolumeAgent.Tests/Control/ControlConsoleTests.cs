using System.Net.Sockets;
using VolumeAgent.Control.Client;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Presentation;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

public sealed class ControlConsoleTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(20));

    public void Dispose()
    {
        _timeout.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task RunAsync_DaemonClosesBeforeExit_PrintsWhatCameAndFailsWithTheReason()
    {
        var path = _directory.Combine("control.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var daemon = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync(_timeout.Token);
            await connection.ReceiveAsync(new byte[1024], _timeout.Token);
            await connection.SendAsync("{\"type\":\"message\",\"message\":\"job a: running\"}\n{\"type\":\"artifact\",\"job\":\"a\",\"fi"u8.ToArray(), _timeout.Token);
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        await using var client = (await ControlClient.TryConnectAsync(path, _timeout.Token))!;

        var code = await new ControlConsole(output, error).RunAsync(client, new ControlRequest { Command = ControlCommands.RunNow }, _timeout.Token);
        await daemon;

        code.Should().Be(ExitCodes.Failure);
        output.ToString().Should().Be("job a: running\n");
        error.ToString().Should().Contain($"The connection to the daemon ({path}) broke").And.Contain("middle of a control message");
    }

    [Theory]
    [InlineData("warning", "nightly", "1a2b3c4d", "WRN [nightly 1a2b3c4d] slow")]
    [InlineData("error", "nightly", null, "ERR [nightly] slow")]
    [InlineData("information", null, null, "INF slow")]
    public void LogLine_ByLevelAndTags_ReadsLikeTheDaemonsConsole(string level, string? job, string? runId, string expectedEnd)
    {
        var line = ControlConsole.LogLine(ControlEvent.Log(DateTimeOffset.UnixEpoch, level, job, runId, "slow"));

        line.Should().EndWith(expectedEnd).And.MatchRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ");
    }
}

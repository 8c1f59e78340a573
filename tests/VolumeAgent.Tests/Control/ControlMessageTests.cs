using System.Text.Json;
using System.Text;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Manifest;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Control;

/// <summary>The wire form of the control protocol: one snake_case JSON object per line, nulls left out.</summary>
public sealed class ControlMessageTests
{
    [Fact]
    public async Task WriteAsync_Event_IsOneLineOfSnakeCaseJsonWithoutNulls()
    {
        using var buffer = new MemoryStream();
        await using (var connection = new ControlConnection(buffer, 1024))
        {
            await connection.WriteAsync(ControlEvent.Exit(1), ControlJsonContext.Default.ControlEvent, CancellationToken.None);
            await connection.WriteAsync(ControlEvent.Text("two\nlines"), ControlJsonContext.Default.ControlEvent, CancellationToken.None);
            Encoding.UTF8.GetString(buffer.ToArray()).Should().Be("{\"type\":\"exit\",\"code\":1}\n{\"type\":\"message\",\"message\":\"two\\nlines\"}\n");
        }
    }

    [Fact]
    public async Task ReadAsync_RequestWrittenByAClient_RoundTrips()
    {
        var request = new ControlRequest { Command = ControlCommands.RunNow, Args = ["nightly", "hourly"], Verbose = true };
        using var buffer = new MemoryStream();
        await using (var writer = new ControlConnection(buffer, 1024))
        {
            await writer.WriteAsync(request, ControlJsonContext.Default.ControlRequest, CancellationToken.None);
            Encoding.UTF8.GetString(buffer.ToArray()).Should().Be("{\"protocol\":1,\"command\":\"run-now\",\"args\":[\"nightly\",\"hourly\"],\"verbose\":true}\n");
            await using var reader = new ControlConnection(new MemoryStream(buffer.ToArray()), 1024);
            var read = await reader.ReadAsync(ControlJsonContext.Default.ControlRequest, CancellationToken.None);
            read.Should().BeEquivalentTo(request);
        }
    }

    [Fact]
    public async Task ReadAsync_HandWrittenRequestWithDefaults_Accepted()
    {
        await using var reader = new ControlConnection(new MemoryStream("{\"command\":\"status\",\"unknown\":5}\n"u8.ToArray()), 1024);

        var request = await reader.ReadAsync(ControlJsonContext.Default.ControlRequest, CancellationToken.None);

        request!.Command.Should().Be("status");
        request.Protocol.Should().Be(ControlRequest.CurrentProtocol);
        request.Args.Should().BeEmpty();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"args\":[]}")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    public async Task ReadAsync_LineThatIsNotARequest_ThrowsProtocolError(string line)
    {
        await using var reader = new ControlConnection(new MemoryStream(Encoding.UTF8.GetBytes(line + "\n")), 1024);

        var read = async () => await reader.ReadAsync(ControlJsonContext.Default.ControlRequest, CancellationToken.None);

        await read.Should().ThrowAsync<ControlProtocolException>();
    }

    [Fact]
    public void ForResult_FailedRun_CarriesCountsSizesAndError()
    {
        var started = new DateTimeOffset(2026, 3, 29, 2, 0, 0, TimeSpan.Zero);
        var result = new RunResult
        {
            Job = "nightly",
            RunId = RunId.Parse("1a2b3c4d"),
            Status = ManifestStatus.Failed,
            StartedAt = started,
            FinishedAt = started.AddSeconds(12.5),
            SetName = "20260329T020000Z-1a2b3c4d",
            Artifacts = [ControlTestData.Artifact("a.tar.gz", 100, ManifestStatus.Succeeded), ControlTestData.Artifact(null, 0, ManifestStatus.Failed, "boom")],
            Error = "1 of 2 artifact(s) failed.",
        };

        var controlEvent = ControlEvent.ForResult(result);

        var json = JsonSerializer.Serialize(controlEvent, ControlJsonContext.Default.ControlEvent);
        json.Should().Be(
            "{\"type\":\"result\",\"time\":\"2026-03-29T02:00:12.5+00:00\",\"job\":\"nightly\",\"run_id\":\"1a2b3c4d\",\"status\":\"failed\","
            + "\"stored_bytes\":100,\"duration_ms\":12500,\"set\":\"20260329T020000Z-1a2b3c4d\",\"artifacts\":2,\"failed_artifacts\":1,"
            + "\"error\":\"1 of 2 artifact(s) failed.\"}");
    }

    [Theory]
    [InlineData("succeeded", "  ok    nightly/a.tar.gz  2.0 KB -> 100 B  1.5 s")]
    [InlineData("failed", "  FAIL  nightly/a.tar.gz: boom")]
    public void ArtifactLine_ByStatus_ReadsLikeTheInProcessRun(string status, string expected)
    {
        var controlEvent = new ControlEvent
        {
            Type = ControlEventTypes.Artifact,
            Job = "nightly",
            File = "a.tar.gz",
            Status = status,
            RawBytes = 2000,
            StoredBytes = 100,
            DurationMs = 1500,
            Error = status == "failed" ? "boom" : null,
        };

        controlEvent.ArtifactLine().Should().Be(expected);
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

[Collection(DockerTests.Name)]
public sealed class ExecTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ExecTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    private IExecOperations Exec => _docker.Engine.Exec;

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("false", 1)]
    [InlineData("kill -9 $$", 128 + 9)]
    public async Task WaitForExitAsync_CommandEnds_ReturnsItsExitCode(string script, int expected)
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);

        await using var process = await Exec.RunAsync(container, ["sh", "-c", script], cts.Token);
        var code = await process.WaitForExitAsync(cts.Token);

        code.Should().Be(expected);
        process.ContainerId.Should().Be(container);
        process.Program.Should().Be("sh");
        (await _docker.Client.InspectExecsAsync(container, cts.Token)).Should().NotContain(e => e.Running, "the engine agrees the exec has ended");
    }

    [Fact]
    public async Task Stdout_CommandWritingBothStreams_StdoutFlowsAndStderrLandsInTailAndSink()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);
        var sink = new ConcurrentQueue<string>();

        await using var process = await Exec.RunAsync(
            container,
            ["sh", "-c", "echo first; echo 'pg_dump: error: connection refused' >&2; echo second; exit 2"],
            cts.Token,
            new ExecStartOptions { StderrSink = data => sink.Enqueue(Encoding.UTF8.GetString(data)) });
        using var reader = new StreamReader(process.Stdout, Encoding.UTF8);
        var stdout = await reader.ReadToEndAsync(cts.Token);
        var code = await process.WaitForExitAsync(cts.Token);

        stdout.Should().Be("first\nsecond\n");
        process.Stderr.ToString().Should().Be("pg_dump: error: connection refused");
        string.Concat(sink).Should().Be("pg_dump: error: connection refused\n");
        code.Should().Be(2);
    }

    [Fact]
    public async Task Stdout_BothStreamsWritingTensOfMegabytes_AllStdoutArrivesAndStderrIsCountedWithoutDeadlock()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);
        const int StdoutBytes = 40_000_000;
        const int StderrBytes = 30_000_000;
        const string StdoutLine = "stdout-line-0123456789\n";

        // Two writers at full speed at once: the frames interleave, and neither stream may block the other.
        await using var process = await Exec.RunAsync(
            container,
            ["sh", "-c", $"(yes stdout-line-0123456789 | head -c {StdoutBytes}) & (yes stderr-line | head -c {StderrBytes} >&2) & wait"],
            cts.Token);
        var (lines, bytes, malformed) = await CountLinesAsync(process.Stdout, StdoutLine, cts.Token);
        var code = await process.WaitForExitAsync(cts.Token);

        code.Should().Be(0);
        bytes.Should().Be(StdoutBytes);
        malformed.Should().Be(0, "no stderr byte may leak into stdout");
        lines.Should().Be(StdoutBytes / StdoutLine.Length);
        process.Stderr.TotalBytes.Should().Be(StderrBytes);
        process.Stderr.ToString().Should().StartWith("…").And.EndWith("stderr-line");
    }

    [Fact]
    public async Task Stdin_DataStreamedToSha256sum_ItsHashMatchesOurs()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);
        var data = RandomNumberGenerator.GetBytes((8 * 1024 * 1024) + 3);

        await using var process = await Exec.RunAsync(container, ["sha256sum"], cts.Token, new ExecStartOptions { Stdin = true });
        for (var offset = 0; offset < data.Length; offset += 64 * 1024)
        {
            await process.Stdin.WriteAsync(data.AsMemory(offset, Math.Min(64 * 1024, data.Length - offset)), cts.Token);
        }

        process.CloseStdin();
        using var reader = new StreamReader(process.Stdout, Encoding.UTF8);
        var output = await reader.ReadToEndAsync(cts.Token);
        var code = await process.WaitForExitAsync(cts.Token);

        code.Should().Be(0, process.Stderr.ToString());
        output.Should().Be($"{Sha256.Of(data)}  -\n");
    }

    [Fact]
    public async Task Stdin_CatEchoingWhileWeWrite_ReturnsTheSameBytes()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);
        var data = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);

        await using var process = await Exec.RunAsync(container, ["cat"], cts.Token, new ExecStartOptions { Stdin = true });
        // cat answers as it reads: writing all before reading would fill both pipes and stall.
        var writer = Task.Run(
            async () =>
            {
                for (var offset = 0; offset < data.Length; offset += 256 * 1024)
                {
                    await process.Stdin.WriteAsync(data.AsMemory(offset, Math.Min(256 * 1024, data.Length - offset)), cts.Token);
                }

                process.CloseStdin();
            },
            cts.Token);
        var (echoed, length) = await Sha256.OfStreamAsync(process.Stdout, cts.Token);
        await writer;
        var code = await process.WaitForExitAsync(cts.Token);

        code.Should().Be(0);
        length.Should().Be(data.Length);
        echoed.Should().Be(Sha256.Of(data));
    }

    [Fact]
    public async Task RunAsync_WithEnvironmentUserAndWorkingDir_CommandSeesThem()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);

        await using var process = await Exec.RunAsync(
            container,
            ["sh", "-c", "echo \"$PGPASSWORD|$(id -u):$(id -g)|$(pwd)\""],
            cts.Token,
            new ExecStartOptions { Environment = ["PGPASSWORD=s3cret value"], User = "65534:65534", WorkingDir = "/tmp" });
        using var reader = new StreamReader(process.Stdout, Encoding.UTF8);
        var output = await reader.ReadToEndAsync(cts.Token);

        output.Should().Be("s3cret value|65534:65534|/tmp\n");
        (await process.WaitForExitAsync(cts.Token)).Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_ProgramMissing_ExitsWithCannotExecuteAndSaysWhy()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(cts.Token);

        await using var process = await Exec.RunAsync(container, ["/no/such/program"], cts.Token);
        using var reader = new StreamReader(process.Stdout, Encoding.UTF8);
        var output = await reader.ReadToEndAsync(cts.Token);
        var code = await process.WaitForExitAsync(cts.Token);

        // The engine reports a failed exec on the output stream and gives the shell's codes for it.
        code.Should().BeOneOf(126, 127);
        (output + process.Stderr).Should().Contain("/no/such/program");
    }

    [Fact]
    public async Task RunAsync_ContainerMissing_ThrowsNotFoundNamingIt()
    {
        var name = _docker.UniqueName("missing");

        var thrown = await Exec.Invoking(e => e.RunAsync(name, ["true"], CancellationToken.None)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Message.Should().Contain(name).And.Contain("'true'");
    }

    [Fact]
    public async Task RunAsync_ContainerStopped_ThrowsConflictSayingItIsNotRunning()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.CreateContainerAsync(
            new Docker.Models.ContainerCreateRequest { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);

        var thrown = await Exec.Invoking(e => e.RunAsync(container, ["true"], cts.Token)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsConflict.Should().BeTrue();
        thrown.Which.EngineMessage.Should().Contain("is not running");
    }

    /// <summary>Counts whole lines equal to <paramref name="line"/> and any other bytes, reading through a pooled buffer.</summary>
    private static async Task<(long Lines, long Bytes, long Malformed)> CountLinesAsync(Stream stream, string line, CancellationToken cancellationToken)
    {
        var expected = Encoding.ASCII.GetBytes(line);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long lines = 0, bytes = 0, malformed = 0;
        var position = 0;
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, 64 * 1024), cancellationToken)) > 0)
            {
                bytes += read;
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b != expected[position])
                    {
                        malformed++;
                        position = 0;
                        continue;
                    }

                    if (++position == expected.Length)
                    {
                        lines++;
                        position = 0;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (lines, bytes, malformed);
    }
}

using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.IntegrationTests.Fixtures.Client;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>
/// A cancelled token ends a read of an endless stream promptly, with <see cref="OperationCanceledException"/>,
/// and leaves the client usable. Every wait here is bounded, so a regression fails instead of hanging the run.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class CancellationTests
{
    private const int ReadBeforeCancel = 8 * 1024 * 1024;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(15);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public CancellationTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task ExecStdout_TokenCancelledDuringEndlessOutput_ThrowsCanceledAndConnectionCloses()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(timeout.Token);
        using var cancel = new CancellationTokenSource();
        var process = await _docker.Engine.Exec.RunAsync(container, ["cat", "/dev/zero"], cancel.Token);
        Stream stdout;
        await using (process)
        {
            stdout = process.Stdout;
            var read = ReadUntilCancelledAsync(stdout, cancel);

            await read.Awaiting(r => r.WaitAsync(Prompt, timeout.Token)).Should().ThrowAsync<OperationCanceledException>();
        }

        var afterDispose = () => stdout.ReadAsync(new byte[16], timeout.Token).AsTask();
        await afterDispose.Should().ThrowAsync<ObjectDisposedException>("disposing the process closes its connection");

        // The engine leaves an exec whose client went away blocked on its full pipe (20.10 sends no signal);
        // the helper's removal ends it. What matters here: the client goes on working.
        foreach (var exec in await _docker.Client.InspectExecsAsync(container, timeout.Token))
        {
            _output.WriteLine($"exec {exec.ID} after its connection closed: running={exec.Running}");
        }

        await using var next = await _docker.Engine.Exec.RunAsync(container, ["echo", "still here"], timeout.Token);
        using var reader = new StreamReader(next.Stdout, Encoding.UTF8);
        (await reader.ReadToEndAsync(timeout.Token)).Should().Be("still here\n");
    }

    [Fact]
    public async Task ExecStdout_TokenCancelledWhileReadWaitsOnSilentCommand_ThrowsCanceled()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(timeout.Token);
        await using var process = await _docker.Engine.Exec.RunAsync(container, ["sh", "-c", "echo started; exec sleep 3600"], timeout.Token);
        var buffer = new byte[64];
        var first = await process.Stdout.ReadAsync(buffer, timeout.Token);
        Encoding.ASCII.GetString(buffer, 0, first).Should().Be("started\n");
        using var cancel = new CancellationTokenSource();

        // Nothing more will come: this read is pending in the socket when the token fires.
        var pending = process.Stdout.ReadAsync(buffer, cancel.Token).AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(300), timeout.Token);
        pending.IsCompleted.Should().BeFalse("the command prints nothing more");
        await cancel.CancelAsync();

        await pending.Awaiting(p => p.WaitAsync(Prompt, timeout.Token)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Attach_TokenCancelledDuringEndlessOutput_ThrowsCanceledAndContainerKeepsRunning()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Helper,
                Cmd = ["cat", "/dev/zero"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none", LogConfig = new LogConfig { Type = "none" } },
            },
            timeout.Token);
        using var cancel = new CancellationTokenSource();
        await using (var attach = await _docker.Engine.Containers.AttachAsync(id, stdin: false, cancel.Token))
        {
            await _docker.Engine.Containers.StartAsync(id, timeout.Token);
            var read = ReadUntilCancelledAsync(attach.Stdout, cancel);

            await read.Awaiting(r => r.WaitAsync(Prompt, timeout.Token)).Should().ThrowAsync<OperationCanceledException>();
        }

        (await _docker.Client.Containers.InspectContainerAsync(id, timeout.Token)).State!.Running.Should().BeTrue("detaching does not stop the container");
        await using var again = await _docker.Engine.Containers.AttachAsync(id, stdin: false, timeout.Token);
        var buffer = new byte[64 * 1024];
        (await again.Stdout.ReadAsync(buffer, timeout.Token)).Should().BePositive("a new attach gets the output that still flows");
    }

    [Fact]
    public async Task WaitAsync_TokenCancelledWhileContainerRuns_ThrowsCanceled()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.StartSleeperAsync(timeout.Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var wait = _docker.Engine.Containers.WaitAsync(id, cancel.Token);

        await wait.Awaiting(w => w.WaitAsync(Prompt, timeout.Token)).Should().ThrowAsync<OperationCanceledException>();
        (await _docker.Engine.Containers.InspectAsync(id, timeout.Token)).State!.Running.Should().BeTrue();
    }

    [Fact]
    public async Task LogsFollow_TokenCancelledWhileContainerLogs_ThrowsCanceled()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.RunContainerAsync(
            new ContainerCreateRequest
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", "while true; do echo tick; sleep 0.1; done"],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig { NetworkMode = "none" },
            },
            timeout.Token);
        using var cancel = new CancellationTokenSource();
        await using var logs = await _docker.Engine.Containers.LogsAsync(id, follow: true, cancel.Token);
        await using var stdout = new StdoutStream(logs, new OutputTail());
        var buffer = new byte[4096];

        (await stdout.ReadAsync(buffer, timeout.Token)).Should().BePositive();
        await cancel.CancelAsync();
        var next = async () =>
        {
            while (await stdout.ReadAsync(buffer, cancel.Token) > 0)
            {
            }
        };

        await next.Awaiting(n => n().WaitAsync(Prompt, timeout.Token)).Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task RunAsync_TokenAlreadyCancelled_ThrowsCanceledBeforeStarting()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var container = await scope.StartSleeperAsync(timeout.Token);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var run = () => _docker.Engine.Exec.RunAsync(container, ["true"], cancelled.Token);

        await run.Should().ThrowAsync<OperationCanceledException>();
    }

    /// <summary>Reads until <paramref name="cancel"/> is cancelled, which it does itself once enough has arrived.</summary>
    private static async Task ReadUntilCancelledAsync(Stream stream, CancellationTokenSource cancel)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancel.Token);
            if (read == 0)
            {
                throw new EndOfStreamException("The endless stream ended before it was cancelled.");
            }

            total += read;
            if (total >= ReadBeforeCancel && !cancel.IsCancellationRequested)
            {
                await cancel.CancelAsync();
            }
        }
    }
}

using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace VolumeAgent.IntegrationTests.Fixtures.Client;

/// <summary>
/// `docker exec` through the library client, for set-up and checks: standard input fed and closed, the
/// demultiplexed output collected as bytes (Testcontainers' ExecAsync returns strings, which binary output does
/// not survive), the exit code read once the process has ended. Meant for small outputs: it holds them in memory.
/// </summary>
internal static class ContainerExec
{
    private static readonly TimeSpan ExitPoll = TimeSpan.FromMilliseconds(50);

    public static async Task<ExecOutput> RunAsync(
        DockerClient client,
        string container,
        IReadOnlyList<string> command,
        CancellationToken cancellationToken,
        Stream? stdin = null,
        IReadOnlyList<string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var created = await client.Exec.CreateContainerExecAsync(
            container,
            new ContainerExecCreateParameters
            {
                Cmd = [.. command],
                Env = environment is null ? null : [.. environment],
                AttachStdin = stdin is not null,
                AttachStdout = true,
                AttachStderr = true,
            },
            cancellationToken);
        using var stream = await client.Exec.StartContainerExecAsync(created.ID, new ContainerExecStartParameters(), cancellationToken);
        var feed = stdin is null ? Task.CompletedTask : FeedAsync(stream, stdin, cancellationToken);
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        await stream.CopyOutputToAsync(Stream.Null, stdout, stderr, cancellationToken);
        await feed;
        while (true)
        {
            var state = await client.Exec.InspectContainerExecAsync(created.ID, cancellationToken);
            if (!state.Running)
            {
                return new ExecOutput(state.ExitCode ?? -1, stdout.ToArray(), Encoding.UTF8.GetString(stderr.ToArray()));
            }

            await Task.Delay(ExitPoll, cancellationToken);
        }
    }

    /// <summary>Like <see cref="RunAsync"/>, failing with the output unless the command exits 0; returns its standard output as text.</summary>
    public static async Task<string> RunCheckedAsync(
        DockerClient client, string container, IReadOnlyList<string> command, CancellationToken cancellationToken, Stream? stdin = null, IReadOnlyList<string>? environment = null)
    {
        var result = await RunAsync(client, container, command, cancellationToken, stdin, environment);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{string.Join(' ', command)}` in {container} exited with {result.ExitCode}: {result.Stderr}{result.Text}");
        }

        return result.Text;
    }

    private static async Task FeedAsync(MultiplexedStream stream, Stream stdin, CancellationToken cancellationToken)
    {
        await stream.CopyFromAsync(stdin, cancellationToken);
        stream.CloseWrite();
    }
}

/// <summary>How an exec ended: its exit code, standard output (bytes) and standard error.</summary>
internal sealed record ExecOutput(long ExitCode, byte[] Stdout, string Stderr)
{
    public string Text => Encoding.UTF8.GetString(Stdout);
}

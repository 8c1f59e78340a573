using System.Text;
using VolumeAgent.Docker;

namespace VolumeAgent.Sources.Shared.Exec;

/// <summary>Runs a short command in a container and keeps its (small) output: lists, versions, secrets.</summary>
internal static class ExecCapture
{
    internal const int MaxOutputBytes = 4 * 1024 * 1024;

    public static async Task<ExecResult> RunAsync(
        IDockerEngine docker, string containerId, IReadOnlyList<string> command, IReadOnlyList<string>? environment, CancellationToken cancellationToken)
    {
        await using var process = await docker.Exec.RunAsync(containerId, command, cancellationToken, new ExecStartOptions { Environment = environment });
        var stdout = await ReadCappedAsync(
            process.Stdout,
            () => new ArtifactFailedException($"'{command[0]}' in container {containerId[..Math.Min(12, containerId.Length)]} printed more than {MaxOutputBytes / (1024 * 1024)} MiB where a short answer was expected."),
            cancellationToken);
        var exit = await process.WaitForExitAsync(cancellationToken);
        return new ExecResult(exit, stdout, process.Stderr.ToString());
    }

    /// <summary>A short answer read whole as UTF-8; more than 4 MiB throws what <paramref name="tooLarge"/> makes.</summary>
    public static async Task<string> ReadCappedAsync(Stream stdout, Func<Exception> tooLarge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(tooLarge);
        using var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stdout.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (output.Length + read > MaxOutputBytes)
            {
                throw tooLarge();
            }

            output.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length);
    }
}

internal sealed record ExecResult(long ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The error output, or the standard output when a tool reported its error there.</summary>
    public string Diagnostic => Stderr.Length > 0 ? Stderr : Stdout.Trim();

    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

using System.Diagnostics;
using System.Text;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>How a command line ended and what it printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration)
{
    public string Output => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode} after {Duration.TotalSeconds:0.0} s\n--- stdout\n{Stdout}--- stderr\n{Stderr}";
}

/// <summary>Runs a command line to its end (or kills it at the token), capturing its output.</summary>
internal static class CommandLine
{
    public static async Task<ProcessResult> RunAsync(
        string file, IEnumerable<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"`{file} {string.Join(' ', start.ArgumentList)}` did not finish in time; it printed:\n{await stdout}{await stderr}");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    /// <summary>How long <see cref="DockerPauseAsync"/> asks again while the kernel cannot freeze the container.</summary>
    private static readonly TimeSpan FreezeBound = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FreezeRetryDelay = TimeSpan.FromMilliseconds(200);

    public static Task<ProcessResult> DockerAsync(CancellationToken cancellationToken, params string[] arguments) =>
        RunAsync("docker", arguments, cancellationToken);

    /// <summary>Output of a docker command that must succeed, trimmed.</summary>
    public static async Task<string> DockerOkAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var result = await DockerAsync(cancellationToken, arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"`docker {string.Join(' ', arguments)}` failed: {result}");
        }

        return result.Stdout.Trim();
    }

    /// <summary>
    /// `docker pause`, as an operator would. The kernel cannot freeze a process in uninterruptible sleep (disk or
    /// network I/O, which a loaded host makes last): the engine then refuses, "unable to freeze" (cgroup v1) or
    /// "waiting for the cgroup to freeze" (v2), leaving the container running, and the same pause takes once the
    /// process is out of it. Such a refusal is asked again for up to <see cref="FreezeBound"/>; any other failure throws.
    /// </summary>
    public static async Task DockerPauseAsync(string container, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var result = await DockerAsync(cancellationToken, "pause", container);
            if (result.ExitCode == 0)
            {
                return;
            }

            var refusedToFreeze = result.Stderr.Contains("unable to freeze", StringComparison.Ordinal)
                || result.Stderr.Contains("waiting for the cgroup to freeze", StringComparison.Ordinal);
            if (!refusedToFreeze || clock.Elapsed >= FreezeBound)
            {
                throw new InvalidOperationException($"`docker pause {container}` failed (attempt {attempt}, after {clock.Elapsed.TotalSeconds:0.0} s): {result}");
            }

            await Task.Delay(FreezeRetryDelay, cancellationToken);
        }
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static string Describe(IEnumerable<string> lines) => new StringBuilder().AppendJoin('\n', lines).ToString();
}

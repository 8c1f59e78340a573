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

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static string Describe(IEnumerable<string> lines) => new StringBuilder().AppendJoin('\n', lines).ToString();
}

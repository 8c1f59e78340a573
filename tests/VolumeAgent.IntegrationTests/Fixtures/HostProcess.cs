using System.Diagnostics;
using System.Text;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A program on the test host (tar, sha256sum, `docker exec -i ...`), its standard input fed from a stream and
/// its output kept, within a time limit. The tests check archives with the tools a person restoring would use.
/// </summary>
internal static class HostProcess
{
    private const int CopyBufferSize = 128 * 1024;

    public static async Task<ProcessResult> RunAsync(
        string program,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken,
        Stream? stdin = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(2));
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await FeedAsync(process, stdin, limit.Token);
            await process.WaitForExitAsync(limit.Token);
            return new ProcessResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new TimeoutException($"`{program} {string.Join(' ', arguments)}` did not finish within {timeout ?? TimeSpan.FromMinutes(2)}.");
        }
    }

    /// <summary>Runs the program and fails with its output unless it exits 0; returns its standard output.</summary>
    public static async Task<string> RunCheckedAsync(
        string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken, Stream? stdin = null, string? workingDirectory = null)
    {
        var result = await RunAsync(program, arguments, cancellationToken, stdin, workingDirectory);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{program} {string.Join(' ', arguments)}` exited with {result.ExitCode}: {result.Stderr}{result.Stdout[..Math.Min(result.Stdout.Length, 4000)]}");
        }

        return result.Stdout;
    }

    private static async Task FeedAsync(Process process, Stream? stdin, CancellationToken cancellationToken)
    {
        var input = process.StandardInput.BaseStream;
        try
        {
            if (stdin is not null)
            {
                await stdin.CopyToAsync(input, CopyBufferSize, cancellationToken);
            }
        }
        catch (IOException)
        {
            // The program stopped reading (it failed, or needs no more); its exit code tells which.
        }
        finally
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // Already gone.
            }
        }
    }
}

/// <summary>How a host program ended and what it printed.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

using System.Diagnostics;
using System.Text;

namespace VolumeAgent.IntegrationTests.Restore;

/// <summary>
/// The agent as a user runs it: <c>dotnet volume-agent.dll ARGS</c> in its own process, stdin not a terminal.
/// The test project references the agent, so its build output lies next to the test assembly.
/// </summary>
internal static class AgentProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    public static async Task<AgentOutcome> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "volume-agent.dll");
        if (!File.Exists(assembly) || !File.Exists(Path.ChangeExtension(assembly, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"The agent's build output is not next to the tests ({assembly}); build tests/VolumeAgent.IntegrationTests.");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("VOLUME_AGENT_CONFIG");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the agent.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`volume-agent {string.Join(' ', arguments)}` did not end within {Timeout}; it was killed.");
        }

        return new AgentOutcome(process.ExitCode, await stdout, await stderr);
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(host) && File.Exists(host) ? host : "dotnet";
    }
}

/// <summary>How an agent process ended and what it printed.</summary>
internal sealed record AgentOutcome(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}{Stdout}{Stderr}";
}

using System.Diagnostics;
using System.Text;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The agent as a user runs it: <c>dotnet volume-agent.dll ARGS</c> in a process of its own, with its exit code
/// and output. The test project references the agent project, so the agent's build output (dll, deps and
/// runtimeconfig) lies next to the test assembly.
/// </summary>
internal static class AgentCli
{
    public const string AssemblyFileName = "volume-agent.dll";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> Assembly = new(FindAssembly);

    /// <summary>The agent's entry assembly in the test output folder.</summary>
    public static string AssemblyPath => Assembly.Value;

    /// <summary>Runs the agent to its end; a run over <paramref name="timeout"/> is killed and fails the test with its output.</summary>
    public static async Task<AgentResult> RunAsync(
        IReadOnlyList<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var run = await StartAsync(arguments, cancellationToken, environment);
        return await run.WaitAsync(timeout ?? DefaultTimeout, cancellationToken);
    }

    /// <summary>Starts the agent and returns at once: the handle reads its output, waits for it, or SIGKILLs it.</summary>
    public static Task<AgentRun> StartAsync(
        IReadOnlyList<string> arguments, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        cancellationToken.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AssemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Only the arguments choose the configuration.
        start.Environment.Remove("VOLUME_AGENT_CONFIG");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start `{start.FileName} {AssemblyPath}`.");
        process.StandardInput.Close();
        return Task.FromResult(new AgentRun(process, arguments));
    }

    /// <summary>The dotnet host that runs the tests (the SDK sets DOTNET_HOST_PATH for its children), else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private static string FindAssembly()
    {
        var path = Path.Combine(AppContext.BaseDirectory, AssemblyFileName);
        var runtimeConfig = Path.ChangeExtension(path, ".runtimeconfig.json");
        if (!File.Exists(path) || !File.Exists(runtimeConfig))
        {
            throw new InvalidOperationException(
                $"The agent's build output is not next to the tests ({path} and {Path.GetFileName(runtimeConfig)} are needed). "
                + "Build the test project, which references agent/VolumeAgent.csproj: `dotnet build tests/VolumeAgent.IntegrationTests`.");
        }

        return path;
    }
}

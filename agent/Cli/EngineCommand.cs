using System.CommandLine;
using VolumeAgent.Docker;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent engine</c>: which engine the agent talks to, and in which API version.</summary>
internal static class EngineCommand
{
    public static Command Create()
    {
        var command = new Command("engine", "Show the Docker engine the agent talks to (DOCKER_HOST, with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS, or /var/run/docker.sock).");
        command.SetAction((_, cancellationToken) => CommandRunner.RunAsync(RunAsync, Console.Error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // The command only asks and prints; the engine has nothing to log here.
        IDockerEngine client;
        try
        {
            client = DockerEngine.FromEnvironment(Serilog.Core.Logger.None);
        }
        catch (ArgumentException ex)
        {
            // A DOCKER_HOST the agent cannot use: said as a configuration problem, not a crash.
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.ConfigurationError;
        }

        await using var engine = client;
        var apiVersion = await client.GetApiVersionAsync(cancellationToken);
        var version = await client.GetVersionAsync(cancellationToken);
        Console.WriteLine($"endpoint:        {client.Endpoint.Description}");
        Console.WriteLine($"engine version:  {version.Version}");
        Console.WriteLine($"engine API:      {version.ApiVersion} (minimum {version.MinApiVersion})");
        Console.WriteLine($"API in use:      {apiVersion}");
        Console.WriteLine($"os/arch:         {version.Os}/{version.Arch}");
        Console.WriteLine($"kernel:          {version.KernelVersion}");
        return ExitCodes.Success;
    }
}

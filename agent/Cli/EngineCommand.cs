using System.CommandLine;
using VolumeAgent.Docker;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

/// <summary><c>volume-agent engine</c>: which engine the agent talks to, and in which API version.</summary>
internal static class EngineCommand
{
    public static Command Create()
    {
        var command = new Command("engine", "Show the Docker engine the agent talks to (DOCKER_HOST or /var/run/docker.sock).");
        command.SetAction((_, cancellationToken) => CommandRunner.RunAsync(RunAsync, Console.Error, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        // The command only asks and prints; the engine has nothing to log here.
        await using var client = DockerEngine.FromEnvironment(Serilog.Core.Logger.None);
        var apiVersion = await client.GetApiVersionAsync(cancellationToken);
        var version = await client.GetVersionAsync(cancellationToken);
        Console.WriteLine($"endpoint:        {client.Endpoint.Display}");
        Console.WriteLine($"engine version:  {version.Version}");
        Console.WriteLine($"engine API:      {version.ApiVersion} (minimum {version.MinApiVersion})");
        Console.WriteLine($"API in use:      {apiVersion}");
        Console.WriteLine($"os/arch:         {version.Os}/{version.Arch}");
        Console.WriteLine($"kernel:          {version.KernelVersion}");
        return ExitCodes.Success;
    }
}

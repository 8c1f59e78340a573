using System.CommandLine;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>volume-agent engine</c>: which engines the agent talks to, and in which API version: the default one (DOCKER_HOST),
/// and with <c>-c backup.yml</c> (or VOLUME_AGENT_CONFIG) every engine of its <c>engines</c> map. One that does not answer
/// is said on stderr and fails the command (exit 1); the others are still reported.
/// </summary>
internal static class EngineCommand
{
    public static Command Create(Option<string> config)
    {
        var command = new Command(
            "engine",
            "Show the Docker engines the agent talks to: the default one (DOCKER_HOST, with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for TLS, or /var/run/docker.sock), and with -c those of backup.yml's engines.");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct =>
            {
                var named = parse.GetResult(config) is { Implicit: false } || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ConfigOption.EnvironmentVariable));
                return RunAsync(named ? ConfigOption.Load(parse.GetValue(config)!).Engines : [], ct);
            },
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(IReadOnlyList<EngineDefinition> configured, CancellationToken cancellationToken)
    {
        // The command only asks and prints; the engines have nothing to log here.
        EngineRegistry engines;
        try
        {
            engines = EngineRegistry.Create(configured);
        }
        catch (ArgumentException ex)
        {
            // A DOCKER_HOST the agent cannot use: said as a configuration problem, not a crash.
            await Console.Error.WriteLineAsync(ex.Message);
            return ExitCodes.ConfigurationError;
        }

        await using (engines)
        {
            if (!engines.HasSeveral)
            {
                await ShowAsync(engines.Default, cancellationToken);
                return ExitCodes.Success;
            }

            var failed = false;
            foreach (var name in engines.Names)
            {
                Console.WriteLine($"{(name == engines.Names[0] ? string.Empty : Environment.NewLine)}engine {name}:");
                try
                {
                    await ShowAsync(engines.Get(name), cancellationToken);
                }
                catch (Exception ex) when (ex is DockerUnavailableException or DockerApiException)
                {
                    Console.WriteLine($"endpoint:        {engines.Definition(name).Endpoint.Description}");
                    Console.WriteLine("state:           unreachable");
                    await Console.Error.WriteLineAsync($"engine {name}: {ex.Message}");
                    failed = true;
                }
            }

            return failed ? ExitCodes.Failure : ExitCodes.Success;
        }
    }

    private static async Task ShowAsync(IDockerEngine client, CancellationToken cancellationToken)
    {
        var apiVersion = await client.GetApiVersionAsync(cancellationToken);
        var version = await client.GetVersionAsync(cancellationToken);
        Console.WriteLine($"endpoint:        {client.Endpoint.Description}");
        Console.WriteLine($"engine version:  {version.Version}");
        Console.WriteLine($"engine API:      {version.ApiVersion} (minimum {version.MinApiVersion})");
        Console.WriteLine($"API in use:      {apiVersion}");
        Console.WriteLine($"os/arch:         {version.Os}/{version.Arch}");
        Console.WriteLine($"kernel:          {version.KernelVersion}");
    }
}

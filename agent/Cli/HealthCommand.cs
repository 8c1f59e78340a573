using System.CommandLine;
using VolumeAgent.Control.Client;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

/// <summary>
/// <c>volume-agent health</c>, the image's HEALTHCHECK: exit 0 when the daemon of this configuration answers,
/// is connected to the engine, no run has gone without progress past its job's stall_timeout and no job's last run
/// failed; exit 1 otherwise, saying why.
/// </summary>
internal static class HealthCommand
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    public static Command Create(Option<string> config)
    {
        var command = new Command("health", "Exit 0 when the daemon answers, no run is stalled and no job's last run failed, else 1 (the image's health check).");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            ct => RunAsync(parse.GetValue(config)!, ct),
            Console.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string configPath, CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Bound);
        var connector = DaemonConnector.For(configPath);
        try
        {
            await using var client = await connector.TryRequestAsync(new ControlRequest { Command = ControlCommands.Health }, Console.Out, null, bound.Token);
            if (client is null)
            {
                Console.WriteLine($"unhealthy: no daemon of {connector.Identity.Config} answers on {string.Join(" or ", connector.Paths)}");
                return ExitCodes.Failure;
            }

            return await new ControlConsole(Console.Out, Console.Error).RunAsync(client, bound.Token);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine($"unhealthy: the daemon did not answer within {Bound.TotalSeconds:0} s");
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (ex is UsageException or InvalidOperationException)
        {
            Console.WriteLine($"unhealthy: {ex.Message}");
            return ExitCodes.Failure;
        }
    }
}

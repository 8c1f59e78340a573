using VolumeAgent.Docker;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;
using VolumeAgent.Storage;

namespace VolumeAgent.Cli;

/// <summary>The one place where a command's failure becomes a message and an exit code.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> command, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            return await command(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is PolicyException or UsageException or NotSupportedException or Docker.DockerHostException)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.ConfigurationError;
        }
        catch (Exception ex) when (ex is DockerUnavailableException or DockerApiException or StorageException or InvalidOperationException)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.Failure;
        }
    }
}

using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Policy;
using VolumeAgent.Runs;

namespace VolumeAgent.Control.Daemon;

/// <summary>
/// Opens the daemon's session, waiting for the engine: started by the same boot or compose file, the engine
/// (or its socket mount) may answer only after the agent has started.
/// </summary>
internal static class SessionOpener
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(10);

    /// <exception cref="DockerUnavailableException">The engine did not answer within <paramref name="patience"/>.</exception>
    public static async Task<T> OpenAsync<T>(
        Func<CancellationToken, Task<T>> open, TimeSpan patience, TimeProvider time, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        var started = time.GetTimestamp();
        var delay = FirstDelay;
        while (true)
        {
            try
            {
                return await open(cancellationToken);
            }
            catch (DockerUnavailableException ex) when (time.GetElapsedTime(started) + delay <= patience)
            {
                log.ForEvent(LogEvents.EngineNotAnsweringYet).Warning("The Docker engine does not answer yet; trying again in {Delay} s: {Error}", (int)delay.TotalSeconds, ex.Message);
            }
            catch (DockerUnavailableException ex)
            {
                log.ForEvent(LogEvents.EngineDidNotAnswer).Error("The Docker engine did not answer within {Patience:0} s: {Error}", patience.TotalSeconds, ex.Message);
                throw;
            }

            await Task.Delay(delay, time, cancellationToken);
            delay = delay * 2 < LongestDelay ? delay * 2 : LongestDelay;
        }
    }

    public static Task<AgentSession> OpenAsync(BackupPolicy policy, ILogger log, TimeProvider time, TimeSpan patience, CancellationToken cancellationToken) =>
        OpenAsync(ct => AgentSession.OpenAsync(policy, log, time, ct), patience, time, log, cancellationToken);
}

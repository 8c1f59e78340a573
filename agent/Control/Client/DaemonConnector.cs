using VolumeAgent.Control.Protocol;
using VolumeAgent.Policy;
using VolumeAgent.Presentation;

namespace VolumeAgent.Control.Client;

/// <summary>
/// How a command finds the daemon of its own configuration. It tries the control socket paths of
/// <see cref="ControlEndpoint.ForClient"/>, sending its <see cref="ConfigIdentity"/> with the request; a daemon of
/// another configuration answers <c>other_config</c> and does nothing. A socket found by default is then passed
/// over (and the command runs without a daemon); the one <c>$VOLUME_AGENT_CONTROL</c> names is a refusal.
/// </summary>
internal sealed class DaemonConnector
{
    private readonly bool _configured;

    internal DaemonConnector(ConfigIdentity identity, IReadOnlyList<string> paths, bool configured)
    {
        Identity = identity;
        Paths = paths;
        _configured = configured;
    }

    /// <summary>The configuration the command was given.</summary>
    public ConfigIdentity Identity { get; }

    /// <summary>The control socket paths tried, in order.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>
    /// The connector for the file at <paramref name="configPath"/>. The file is read only for its state_dir; one the
    /// command cannot read still names the daemon (by its path), which may run it.
    /// </summary>
    public static DaemonConnector For(string configPath, Func<string, string?>? environment = null) =>
        For(configPath, TryReadStateDir(configPath), environment);

    /// <summary>The connector for the file at <paramref name="configPath"/> whose state_dir the command has already read
    /// (null when the file cannot be read).</summary>
    public static DaemonConnector For(string configPath, string? stateDir, Func<string, string?>? environment)
    {
        return new DaemonConnector(
            ConfigIdentity.Of(configPath, stateDir),
            ControlEndpoint.ForClient(stateDir, environment),
            ControlEndpoint.Configured(environment) is not null);
    }

    /// <summary>
    /// Sends <paramref name="request"/> to the daemon of this configuration and returns the connection, the daemon's
    /// answer begun (<see cref="ControlConsole.RunAsync(ControlClient, CancellationToken)"/> prints it); null when no
    /// daemon of this configuration answers, after writing to <paramref name="notes"/> which daemons of other
    /// configurations were passed over.
    /// </summary>
    /// <param name="withoutDaemon">What the command's --no-daemon does, for the refusal's advice; null when it has none.</param>
    /// <exception cref="UsageException">The daemon on the socket $VOLUME_AGENT_CONTROL names runs another configuration.</exception>
    /// <exception cref="InvalidOperationException">A daemon's socket is root's, or the daemon closed the connection before answering.</exception>
    public async Task<ControlClient?> TryRequestAsync(ControlRequest request, TextWriter notes, string? withoutDaemon, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(notes);
        var sent = request with { Config = Identity.Config, StateDir = Identity.StateDir };
        var passedOver = new List<string>();
        foreach (var path in Paths)
        {
            var client = await ConnectAsync(path, cancellationToken);
            if (client is null)
            {
                continue;
            }

            var first = await AskAsync(client, sent, cancellationToken);
            if (first.Type != ControlEventTypes.OtherConfig)
            {
                return client;
            }

            await client.DisposeAsync();
            var other = new ConfigIdentity(first.Config ?? "(not said)", first.StateDir);
            if (_configured)
            {
                throw new UsageException(Refusal(path, other, withoutDaemon));
            }

            passedOver.Add($"Not using the daemon on {path}: it runs {other}, not {Identity.Config}.");
        }

        foreach (var line in passedOver)
        {
            await notes.WriteLineAsync(line);
        }

        return null;
    }

    private string Refusal(string path, ConfigIdentity other, string? withoutDaemon) =>
        $"The daemon on {path} (${ControlEndpoint.EnvironmentVariable}) runs {other}, not {Identity}; it did nothing. "
        + $"Give --config {other.Config} to use that daemon, "
        + (withoutDaemon is null ? string.Empty : $"add --no-daemon to {withoutDaemon} in this process, ")
        + $"or point ${ControlEndpoint.EnvironmentVariable} at the control socket of the daemon of {Identity.Config}.";

    private static async Task<ControlClient?> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await ControlClient.TryConnectAsync(path, cancellationToken);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    /// <summary>Sends the request and reads the daemon's first event; the connection is closed when that fails.</summary>
    private static async Task<ControlEvent> AskAsync(ControlClient client, ControlRequest request, CancellationToken cancellationToken)
    {
        var answered = false;
        try
        {
            var first = await client.SendAsync(request, cancellationToken);
            answered = true;
            return first;
        }
        catch (Exception ex) when (ex is ControlProtocolException or IOException)
        {
            throw new InvalidOperationException($"The connection to the daemon ({client.Path}) broke before it answered: {ex.Message}", ex);
        }
        finally
        {
            if (!answered)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static string? TryReadStateDir(string configPath)
    {
        try
        {
            return PolicyLoader.LoadFile(configPath).StateDir;
        }
        catch (PolicyException)
        {
            return null;
        }
    }
}

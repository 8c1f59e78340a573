using System.Globalization;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Control.Status;
using VolumeAgent.Manifest;
using VolumeAgent.Presentation;

namespace VolumeAgent.Control.Client;

/// <summary>
/// The client side of a command sent to the daemon: prints the events as an in-process run would (progress and
/// tables on stdout, log lines and errors on stderr) and returns the daemon's exit code.
/// </summary>
internal sealed class ControlConsole
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    public ControlConsole(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
    }

    /// <summary>Called with each <c>status</c> event's report (the status command prints it its own way).</summary>
    public Action<AgentStatus>? OnStatus { get; init; }

    /// <summary>Sends the request and prints its events; a daemon that goes away mid-answer is a failure (exit 1) with its reason.</summary>
    public Task<int> RunAsync(ControlClient client, ControlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return PrintAsync(client, client.RequestAsync(request, cancellationToken));
    }

    /// <summary>Prints the events of the request <see cref="DaemonConnector"/> sent, as <see cref="RunAsync(ControlClient, ControlRequest, CancellationToken)"/>.</summary>
    public Task<int> RunAsync(ControlClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return PrintAsync(client, client.EventsAsync(cancellationToken));
    }

    private async Task<int> PrintAsync(ControlClient client, IAsyncEnumerable<ControlEvent> events)
    {
        try
        {
            await foreach (var item in events)
            {
                if (item.Type == ControlEventTypes.Exit)
                {
                    return item.Code ?? ExitCodes.Failure;
                }

                Print(item);
            }
        }
        catch (Exception ex) when (ex is ControlProtocolException or IOException)
        {
            await _error.WriteLineAsync($"The connection to the daemon ({client.Path}) broke: {ex.Message}");
        }

        return ExitCodes.Failure;
    }

    internal void Print(ControlEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        switch (item.Type)
        {
            case ControlEventTypes.Message:
                _output.WriteLine(item.Message);
                break;
            case ControlEventTypes.Artifact:
                _output.WriteLine(item.ArtifactLine());
                break;
            case ControlEventTypes.Log:
                _error.WriteLine(LogLine(item));
                break;
            case ControlEventTypes.Error or ControlEventTypes.OtherConfig:
                _error.WriteLine(item.Message);
                break;
            case ControlEventTypes.Status when item.Report is not null:
                if (OnStatus is not null)
                {
                    OnStatus(item.Report);
                }
                else
                {
                    StatusFormatter.Write(_output, item.Report);
                }

                break;
            case ControlEventTypes.Health:
                _output.WriteLine(item.Healthy == true ? "healthy" : "unhealthy");
                foreach (var problem in item.Problems ?? [])
                {
                    _output.WriteLine($"  {problem}");
                }

                break;
            default:
                // result events (and types a newer daemon adds) are for programs; the tables say the same to people.
                break;
        }
    }

    /// <summary>The daemon's console format: "2026-03-29 02:00:00 WRN [nightly 1a2b3c4d] message".</summary>
    internal static string LogLine(ControlEvent item)
    {
        var level = item.Level switch
        {
            "verbose" => "VRB",
            "debug" => "DBG",
            "information" => "INF",
            "warning" => "WRN",
            "error" => "ERR",
            "fatal" => "FTL",
            _ => "???",
        };
        var tag = item.Job is null ? string.Empty : item.RunId is null ? $"[{item.Job}] " : $"[{item.Job} {item.RunId}] ";
        var time = item.Time?.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? string.Empty;
        return $"{time} {level} {tag}{item.Message}";
    }
}

using System.Net.Sockets;
using System.Text.Json;
using VolumeAgent.Docker.Engine.Remote;
using LibraryApiException = Docker.DotNet.DockerApiException;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// The library's failures said as the agent says them: an answer of the engine's (the library's
/// <c>DockerApiException</c> and its not-found subclasses) becomes a <see cref="DockerApiException"/> naming what was
/// asked and carrying the engine's own words; a connection that failed (<see cref="HttpRequestException"/>,
/// <see cref="SocketException"/>, <see cref="IOException"/>) a <see cref="DockerUnavailableException"/> with the fix;
/// a remote connection's own failure (<see cref="RemoteEngineException"/>: a certificate, a host key, ssh), wherever
/// the library wrapped it, one with that failure's words.
/// </summary>
internal static class EngineErrors
{
    /// <summary>The agent's exception for <paramref name="exception"/>, or null when it is to pass unchanged.</summary>
    public static Exception? Map(Exception exception, string operation, DockerEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OperationCanceledException or DockerApiException or DockerUnavailableException => null,
            LibraryApiException api => new DockerApiException(operation, api.StatusCode, EngineMessage(api.ResponseBody)),
            RequestRefusedException refused => new DockerApiException(operation, System.Net.HttpStatusCode.Forbidden, refused.Message),
            _ when Refused(exception) is { } refused => new DockerApiException(operation, System.Net.HttpStatusCode.Forbidden, refused.Message),

            // The library's transport wraps a cancelled read or write like any other failure.
            _ when cancellationToken.IsCancellationRequested && Remote(exception) is not { Permanent: true } => new OperationCanceledException($"Cancelled while waiting to {operation}.", exception, cancellationToken),
            _ when Remote(exception) is { } remote => new DockerUnavailableException(endpoint, remote.Message, remote, remote.Permanent),
            HttpRequestException or SocketException or IOException => new DockerUnavailableException(endpoint, exception),

            // The legacy transport's tcp connect tries each address of the host and throws all their failures at once.
            AggregateException aggregate when aggregate.Flatten().InnerExceptions is { Count: > 0 } inner
                && inner.All(e => e is HttpRequestException or SocketException or IOException)
                => new DockerUnavailableException(endpoint, inner[0]),
            _ => null,
        };
    }

    /// <summary>A socket proxy's refusal among <paramref name="exception"/>'s causes (the library may wrap it), if any.</summary>
    private static RequestRefusedException? Refused(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is RequestRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    /// <summary>The <see cref="RemoteEngineException"/> in <paramref name="exception"/>'s causes, if any.</summary>
    private static RemoteEngineException? Remote(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case RemoteEngineException remote:
                    return remote;
                case AggregateException aggregate:
                    return aggregate.Flatten().InnerExceptions.Select(Remote).FirstOrDefault(r => r is not null);
            }
        }

        return null;
    }

    /// <summary>The engine's words from an error answer's body: its JSON <c>message</c>, else the text itself.</summary>
    public static string? EngineMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(message.GetString()))
            {
                return message.GetString()!.Trim();
            }
        }
        catch (JsonException)
        {
            // Not JSON: the raw text is the best message there is.
        }

        return body.Trim();
    }
}

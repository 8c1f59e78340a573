namespace VolumeAgent.Docker;

/// <summary>The engine did not answer at all: nothing about a request, everything about the connection.</summary>
internal sealed class DockerUnavailableException : Exception
{
    public DockerUnavailableException(DockerEndpoint endpoint, Exception? cause)
        : base(BuildMessage(endpoint, cause), cause)
    {
        Endpoint = endpoint.Display;
    }

    public DockerUnavailableException()
    {
        Endpoint = string.Empty;
    }

    public DockerUnavailableException(string message)
        : base(message)
    {
        Endpoint = string.Empty;
    }

    public DockerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Endpoint = string.Empty;
    }

    public string Endpoint { get; }

    private static string BuildMessage(DockerEndpoint endpoint, Exception? cause)
    {
        var reason = endpoint.SocketPath is { } path && !File.Exists(path)
            ? $"there is no socket at {path}"
            : cause switch
            {
                null => "no answer",
                _ => cause.InnerException?.Message ?? cause.Message,
            };
        var fix = endpoint.IsUnixSocket
            ? endpoint.SocketPath == DockerEndpoint.DefaultSocketPath
                ? $"Is the engine running? In a container, mount the socket: -v /var/run/docker.sock:/var/run/docker.sock. "
                  + "If the socket exists, the agent's user needs read/write access to it (root, or the socket's group). "
                  + "Set DOCKER_HOST (unix:///path or tcp://host:port) to use another engine."
                : $"Check that {endpoint.SocketPath} exists and is readable and writable by the agent's user, or change DOCKER_HOST."
            : "Check that the engine listens there without TLS and that the network allows it, or change DOCKER_HOST.";
        return $"Docker engine unreachable at {endpoint.Display}: {reason}. {fix}";
    }
}

namespace VolumeAgent.Docker;

/// <summary>The engine did not answer at all: nothing about a request, everything about the connection.</summary>
internal sealed class DockerUnavailableException : Exception
{
    public DockerUnavailableException(DockerEndpoint endpoint, Exception? cause)
        : base(BuildMessage(endpoint, cause), cause)
    {
        Endpoint = endpoint.Display;
    }

    /// <summary>A failure whose <paramref name="message"/> already names the endpoint and the fix (a certificate, a host key, ssh).</summary>
    public DockerUnavailableException(DockerEndpoint endpoint, string message, Exception cause, bool permanent)
        : base(message, cause)
    {
        Endpoint = endpoint.Display;
        Permanent = permanent;
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

    /// <summary>Asking again gives the same answer (a certificate or host key refused): not retried.</summary>
    public bool Permanent { get; }

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
            : endpoint.Tls is not null
                ? "Check that the engine listens there with TLS (dockerd --tlsverify -H tcp://0.0.0.0:2376) and that the network allows it, or change DOCKER_HOST."
                : "Check that the engine listens there without TLS and that the network allows it, or change DOCKER_HOST (for TLS also set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH).";
        return $"Docker engine unreachable at {endpoint.Display}: {reason}. {fix}";
    }
}

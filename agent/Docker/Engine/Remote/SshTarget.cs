namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// The host of an <c>ssh://[user@]host[:port]</c> DOCKER_HOST, as the docker CLI takes it: no path (the remote
/// engine is its default socket, reached by the remote docker CLI's <c>docker system dial-stdio</c>).
/// </summary>
internal sealed record SshTarget(string? User, string Host, int? Port)
{
    public string Display => $"ssh://{(User is null ? string.Empty : User + "@")}{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}"
        + (Port is { } port ? $":{port}" : string.Empty);

    /// <summary>Parses <paramref name="value"/> (starting with <c>ssh://</c>); throws <see cref="ArgumentException"/> naming the form.</summary>
    public static SshTarget Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != "ssh" || string.IsNullOrEmpty(uri.Host))
        {
            throw new DockerHostException($"DOCKER_HOST '{value}' is not of the form ssh://USER@HOST[:PORT].");
        }

        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new DockerHostException(
                $"DOCKER_HOST '{value}' has a path, query or fragment: write ssh://USER@HOST[:PORT] (the remote engine is its default socket, as for the docker CLI).");
        }

        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new DockerHostException(
                $"DOCKER_HOST '{value}' contains a password: write ssh://USER@HOST[:PORT] and log in with a key (ssh-agent, or IdentityFile in the ssh config).");
        }

        var user = uri.UserInfo.Length == 0 ? null : Uri.UnescapeDataString(uri.UserInfo);
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        if (host.StartsWith('-') || (user?.StartsWith('-') ?? false))
        {
            throw new DockerHostException($"DOCKER_HOST '{value}': a user or host may not start with '-'.");
        }

        return new SshTarget(user, host, uri.IsDefaultPort || uri.Port <= 0 ? null : uri.Port);
    }
}

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// The categories of tecnativa/docker-socket-proxy (and of any haproxy configured its way): a request is allowed by
/// the first path segment after the API version (<c>/v1.41/containers/…</c> is CONTAINERS, <c>/exec/…</c> EXEC,
/// <c>/_ping</c> PING), and any method but GET and HEAD needs POST as well.
/// </summary>
internal static class SocketProxyCategory
{
    /// <summary>The category a path falls in, e.g. "CONTAINERS" for <c>/v1.41/containers/json</c>.</summary>
    public static string Of(string path)
    {
        var segment = WithoutVersion(path).TrimStart('/').Split('/', 2)[0];
        return segment switch
        {
            "" => "(none: the proxy allows no bare /)",
            "_ping" => "PING",
            _ => segment.ToUpperInvariant(),
        };
    }

    /// <summary>Whether the proxy's POST switch must also be on: every method but GET and HEAD.</summary>
    public static bool NeedsPost(string method) => method is not ("GET" or "HEAD");

    /// <summary>The path without its leading API version (<c>/v1.41</c>).</summary>
    public static string WithoutVersion(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length > 2 && path[0] == '/' && path[1] == 'v' && char.IsDigit(path[2]))
        {
            var next = path.IndexOf('/', 1);
            return next < 0 ? "/" : path[next..];
        }

        return path;
    }
}

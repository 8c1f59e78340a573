namespace VolumeAgent.Http;

/// <summary>What a request asks for.</summary>
internal enum HttpRouteKind
{
    /// <summary>No such path: 404.</summary>
    NotFound,

    /// <summary>The path exists, not with this method: 405.</summary>
    MethodNotAllowed,
    Health,
    Metrics,
    StatusPage,
    Status,
    JobSets,
    StartRun,
    Run,
}

/// <summary>A request's route and its one path parameter (a job name or a run id), from <see cref="HttpRouter"/>.</summary>
internal readonly record struct HttpRoute(HttpRouteKind Kind, string? Parameter = null, string? Allow = null);

/// <summary>
/// The endpoint's routes, matched by hand: a handful of fixed paths, so the agent needs neither ASP.NET Core's routing
/// nor its request-delegate generator (reflection) to serve them.
/// </summary>
internal static class HttpRouter
{
    public const string JobsPrefix = "/api/v1/jobs/";
    public const string RunsPrefix = "/api/v1/runs/";

    public static HttpRoute Match(string method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var get = HttpMethodIs(method, "GET") || HttpMethodIs(method, "HEAD");
        switch (path)
        {
            case "/healthz":
                return get ? new(HttpRouteKind.Health) : NotAllowed("GET, HEAD");
            case "/metrics":
                return get ? new(HttpRouteKind.Metrics) : NotAllowed("GET, HEAD");
            case "/":
                return get ? new(HttpRouteKind.StatusPage) : NotAllowed("GET, HEAD");
            case "/api/v1/status":
                return get ? new(HttpRouteKind.Status) : NotAllowed("GET, HEAD");
        }

        if (path.StartsWith(JobsPrefix, StringComparison.Ordinal))
        {
            var rest = path[JobsPrefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                return new(HttpRouteKind.NotFound);
            }

            var job = Uri.UnescapeDataString(rest[..slash]);
            return rest[(slash + 1)..] switch
            {
                "sets" => get ? new(HttpRouteKind.JobSets, job) : NotAllowed("GET, HEAD"),
                "runs" => HttpMethodIs(method, "POST") ? new(HttpRouteKind.StartRun, job) : NotAllowed("POST"),
                _ => new(HttpRouteKind.NotFound),
            };
        }

        if (path.StartsWith(RunsPrefix, StringComparison.Ordinal) && path.Length > RunsPrefix.Length && path.IndexOf('/', RunsPrefix.Length) < 0)
        {
            return get ? new(HttpRouteKind.Run, path[RunsPrefix.Length..]) : NotAllowed("GET, HEAD");
        }

        return new(HttpRouteKind.NotFound);
    }

    private static HttpRoute NotAllowed(string allow) => new(HttpRouteKind.MethodNotAllowed, Allow: allow);

    private static bool HttpMethodIs(string method, string expected) => string.Equals(method, expected, StringComparison.OrdinalIgnoreCase);
}

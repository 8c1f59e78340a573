using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using VolumeAgent.Control.Protocol;
using VolumeAgent.Http.Api;
using VolumeAgent.Http.Metrics;
using VolumeAgent.Http.Page;
using VolumeAgent.Manifest;
using VolumeAgent.Operations;
using VolumeAgent.Presentation;

namespace VolumeAgent.Http;

/// <summary>Every request of the endpoint: route (<see cref="HttpRouter"/>), token (<see cref="BearerToken"/>), answer.</summary>
internal sealed class HttpHandler
{
    private readonly HttpServices _services;
    private readonly BearerToken _token;

    public HttpHandler(HttpServices services)
    {
        _services = services;
        _token = new BearerToken(services.Options.Token);
    }

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var route = HttpRouter.Match(request.Method, request.Path.Value ?? "/");
        var ct = context.RequestAborted;
        try
        {
            if (!BearerToken.IsOpen(route.Kind, _services.Options.MetricsPublic) && !await AdmitsAsync(context, route))
            {
                return;
            }

            switch (route.Kind)
            {
                case HttpRouteKind.Health:
                    await TextAsync(context, StatusCodes.Status200OK, "ok\n");
                    break;
                case HttpRouteKind.Metrics:
                    var metrics = AgentMetrics.Write(_services.Policy, _services.Status(), _services.Metrics.Snapshot());
                    await TextAsync(context, StatusCodes.Status200OK, metrics, PrometheusWriter.ContentType);
                    break;
                case HttpRouteKind.StatusPage:
                    var sets = await SetList.ReadAsync(_services.Stores, job: null, ct);
                    var page = StatusPage.Render(_services.Policy, _services.Status(), sets);
                    await TextAsync(context, StatusCodes.Status200OK, page, "text/html; charset=utf-8");
                    break;
                case HttpRouteKind.Status:
                    await JsonAsync(context, StatusCodes.Status200OK, _services.Status(), ControlJsonContext.Default.AgentStatus);
                    break;
                case HttpRouteKind.JobSets:
                    if (_services.Policy.FindJob(route.Parameter!) is null)
                    {
                        await ErrorAsync(context, StatusCodes.Status404NotFound, UnknownJob(route.Parameter!));
                        break;
                    }

                    await JsonAsync(context, StatusCodes.Status200OK, await SetList.ReadAsync(_services.Stores, route.Parameter, ct), SetListJsonContext.Default.SetList);
                    break;
                case HttpRouteKind.StartRun:
                    await StartRunAsync(context, route.Parameter!);
                    break;
                case HttpRouteKind.Run:
                    var run = RunId.TryParse(route.Parameter, out var id) ? _services.Runs.Find(id) : null;
                    await (run is null
                        ? ErrorAsync(context, StatusCodes.Status404NotFound, $"No run '{route.Parameter}' started over HTTP since the daemon started (the last {TriggeredRuns.Kept} are kept); `volume-agent list --json` lists every set with its run id.")
                        : JsonAsync(context, StatusCodes.Status200OK, run, ApiJsonContext.Default.RunView));
                    break;
                case HttpRouteKind.MethodNotAllowed:
                    context.Response.Headers.Allow = route.Allow;
                    await ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, $"{request.Method} is not served on {request.Path}; use {route.Allow}.");
                    break;
                default:
                    await ErrorAsync(context, StatusCodes.Status404NotFound, $"Nothing at {request.Path}; the endpoint serves /, /healthz, /metrics and /api/v1 (docs/http.md).");
                    break;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
        }
#pragma warning disable CA1031 // One request's failure is answered with 500 and logged; the daemon goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _services.Log.ForEvent(LogEvents.HttpRequestFailed).Error(ex, "HTTP {Method} {Path} failed: {Error}", request.Method, request.Path.Value, ex.Message);
            if (!context.Response.HasStarted)
            {
                await ErrorAsync(context, StatusCodes.Status500InternalServerError, $"The request failed: {ex.Message}");
            }
        }
    }

    private async Task StartRunAsync(HttpContext context, string jobName)
    {
        var job = _services.Policy.FindJob(jobName);
        if (job is null)
        {
            await ErrorAsync(context, StatusCodes.Status404NotFound, UnknownJob(jobName));
            return;
        }

        string? tag;
        try
        {
            tag = await ReadTagAsync(context.Request, context.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or BadHttpRequestException)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, $"The body is not {{\"tag\": \"…\"}}: {ex.Message} Send no body, or a JSON object with an optional tag.");
            return;
        }

        if (tag is not null && RunTag.Problem(tag) is { } problem)
        {
            await ErrorAsync(context, StatusCodes.Status400BadRequest, problem);
            return;
        }

        var run = await _services.Runs.StartAsync(job, tag, context.RequestAborted);
        if (!await run.Started)
        {
            var view = run.View;
            var conflict = view.Status == TriggeredRun.Refused;
            await ErrorAsync(
                context,
                conflict ? StatusCodes.Status409Conflict : StatusCodes.Status500InternalServerError,
                conflict ? $"Job {job.Name} is running now; nothing started. Ask again when `GET /api/v1/status` shows it idle." : $"The run of job {job.Name} did not start: {view.Error}");
            return;
        }

        context.Response.Headers.Location = HttpRouter.RunsPrefix + run.Order.RunId;
        await JsonAsync(context, StatusCodes.Status202Accepted, run.View, ApiJsonContext.Default.RunView);
    }

    /// <summary>The body's tag: none for an empty body; the body, if any, must be a JSON object with at most a <c>tag</c>.</summary>
    private static async Task<string?> ReadTagAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        if (body.Length == 0 || Encoding.UTF8.GetString(body.ToArray()).Trim().Length == 0)
        {
            return null;
        }

        body.Position = 0;
        var parsed = await JsonSerializer.DeserializeAsync(body, ApiJsonContext.Default.RunRequestBody, cancellationToken)
            ?? throw new InvalidDataException("the body is JSON null.");
        return parsed.Tag;
    }

    /// <summary>
    /// True when the request carries the token: in its Authorization header, or, for the status page, in the cookie
    /// that <c>/?token=…</c> sets (then it is redirected to <c>/</c> without the token in its address). Else 401, logged
    /// without the token.
    /// </summary>
    private async Task<bool> AdmitsAsync(HttpContext context, HttpRoute route)
    {
        var request = context.Request;
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0 && _token.MatchesHeader(header))
        {
            return true;
        }

        if (route.Kind == HttpRouteKind.StatusPage)
        {
            if (request.Query["token"].ToString() is { Length: > 0 } query && _token.Matches(query))
            {
                context.Response.Cookies.Append(BearerToken.CookieName, query, new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = _services.Options.Tls,
                    Path = "/",
                });
                context.Response.Redirect("/");
                return false;
            }

            if (request.Cookies[BearerToken.CookieName] is { Length: > 0 } cookie && _token.Matches(cookie))
            {
                return true;
            }
        }

        var reason = header.Length == 0 && request.Query["token"].Count == 0 && !request.Cookies.ContainsKey(BearerToken.CookieName) ? "no token" : "a wrong token";
        _services.Log.ForEvent(LogEvents.HttpUnauthorized).Warning(
            "HTTP {Method} {Path} from {Remote} refused (401): {Reason}", request.Method, request.Path.Value, context.Connection.RemoteIpAddress?.ToString(), reason);
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"volume-agent\"";
        await ErrorAsync(context, StatusCodes.Status401Unauthorized, "This endpoint needs the token of http.token_file: send `Authorization: Bearer <token>`.");
        return false;
    }

    private static string UnknownJob(string job) => $"No job named '{job}' in the daemon's configuration.";

    private static Task ErrorAsync(HttpContext context, int status, string error) =>
        JsonAsync(context, status, new ApiError(error), ApiJsonContext.Default.ApiError);

    private static async Task JsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    private static Task TextAsync(HttpContext context, int status, string text, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text, context.RequestAborted);
    }
}

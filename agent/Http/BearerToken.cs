using System.Security.Cryptography;
using System.Text;
using VolumeAgent.Policy;

namespace VolumeAgent.Http;

/// <summary>
/// The endpoint's one credential: the token of <c>http.token_file</c>. A request carries it as
/// <c>Authorization: Bearer &lt;token&gt;</c>; the status page may carry it in the <see cref="CookieName"/> cookie,
/// which <c>/?token=…</c> sets once (see docs/http.md). Compared in constant time; never logged.
/// </summary>
internal sealed class BearerToken
{
    public const string CookieName = "volume_agent_token";
    private const string Scheme = "Bearer ";
    private readonly byte[] _token;

    public BearerToken(Secret token)
    {
        ArgumentNullException.ThrowIfNull(token);
        _token = Encoding.UTF8.GetBytes(token.Reveal());
    }

    /// <summary>Which routes answer without the token: <c>/healthz</c> always, <c>/metrics</c> when <paramref name="metricsPublic"/>.</summary>
    public static bool IsOpen(HttpRouteKind route, bool metricsPublic) =>
        route is HttpRouteKind.Health or HttpRouteKind.NotFound or HttpRouteKind.MethodNotAllowed || (route == HttpRouteKind.Metrics && metricsPublic);

    /// <summary>True when an <c>Authorization</c> header carries this token.</summary>
    public bool MatchesHeader(string? authorization) =>
        authorization is not null
        && authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
        && Matches(authorization.AsSpan(Scheme.Length).Trim());

    /// <summary>True when <paramref name="candidate"/> is the token; the time taken does not depend on where they differ.</summary>
    public bool Matches(ReadOnlySpan<char> candidate)
    {
        var max = Encoding.UTF8.GetMaxByteCount(candidate.Length);
        var buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(candidate, buffer);
        return CryptographicOperations.FixedTimeEquals(buffer[..length], _token);
    }
}

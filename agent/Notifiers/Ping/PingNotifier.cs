using System.Text;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers.Ping;

/// <summary>
/// A healthchecks.io-style check: <c>&lt;url&gt;/start</c> when a run starts, <c>&lt;url&gt;</c> when it succeeds,
/// <c>&lt;url&gt;/fail</c> with the run's summary and errors as the body when it fails (or a verification fails, a
/// schedule is missed, when the target asks for those).
/// </summary>
internal sealed class PingNotifier(NotifyTarget target, HttpClient http) : INotifier
{
    /// <summary>healthchecks.io keeps the first 100 kB of a ping's body.</summary>
    private const int MaxBody = 10_000;

    public NotifyTarget Target => target;

    /// <summary>A start is pinged when the target pings runs at all (their success or failure).</summary>
    public bool Wants(NotificationKind kind) => kind == NotificationKind.Started
        ? target.On.Contains(NotifyEvent.Success) || target.On.Contains(NotifyEvent.Failure)
        : NotifierKinds.Wants(target.On, kind);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var body = notification.Kind == NotificationKind.Started ? string.Empty : NotificationText.TitleAndBody(notification);
        if (body.Length > MaxBody)
        {
            body = body[..MaxBody];
        }

        using var content = new StringContent(body, Encoding.UTF8, "text/plain");
        using var request = new HttpRequestMessage(HttpMethod.Post, UrlFor(HttpDelivery.UrlOf(target), notification.Kind)) { Content = content };
        await HttpDelivery.SendAsync(http, request, target, cancellationToken);
    }

    /// <summary>The URL pinged for <paramref name="kind"/>: <c>/start</c>, the base URL, or <c>/fail</c> appended to its path (a query stays).</summary>
    public static Uri UrlFor(Uri url, NotificationKind kind)
    {
        ArgumentNullException.ThrowIfNull(url);
        var suffix = kind switch
        {
            NotificationKind.Started => "/start",
            NotificationKind.Success => string.Empty,
            _ => "/fail",
        };
        var builder = new UriBuilder(url);
        builder.Path = builder.Path.TrimEnd('/') + suffix;
        return builder.Uri;
    }
}

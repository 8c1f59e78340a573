using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers;

/// <summary>What the HTTP notifiers share: one request, one attempt, a non-2xx answer as a delivery failure.</summary>
internal static class HttpDelivery
{
    /// <exception cref="NotificationDeliveryException">The receiver answered with an error status.</exception>
    public static async Task SendAsync(HttpClient http, HttpRequestMessage request, NotifyTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new NotificationDeliveryException(
                $"{NotifierKinds.Where(target)} answered {(int)response.StatusCode} {response.ReasonPhrase}; check the target's url and that its receiver accepts the post");
        }
    }

    /// <summary>The target's URL (a secret: never logged).</summary>
    public static Uri UrlOf(NotifyTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new Uri(target.Url?.Reveal() ?? throw new InvalidOperationException($"Notify target {target.Name} has no url."), UriKind.Absolute);
    }

    /// <summary>How a notification's kind is written in payloads: the backup.yml event names, plus <c>started</c>.</summary>
    public static string EventName(NotificationKind kind) => kind switch
    {
        NotificationKind.Started => "started",
        NotificationKind.Failure => NotifyEvents.Text(NotifyEvent.Failure),
        NotificationKind.Success => NotifyEvents.Text(NotifyEvent.Success),
        NotificationKind.VerifyFailure => NotifyEvents.Text(NotifyEvent.VerifyFailure),
        NotificationKind.RetentionError => NotifyEvents.Text(NotifyEvent.RetentionError),
        NotificationKind.Missed => NotifyEvents.Text(NotifyEvent.Missed),
        _ => kind.ToString(),
    };
}

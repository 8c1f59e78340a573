using VolumeAgent.Notifiers.Email;
using VolumeAgent.Notifiers.Ntfy;
using VolumeAgent.Notifiers.Ping;
using VolumeAgent.Notifiers.Slack;
using VolumeAgent.Notifiers.Webhook;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers;

/// <summary>The registry of notifier types: one line per type, the only place that names them.</summary>
internal static class NotifierKinds
{
    public static INotifier Create(NotifyTarget target, HttpClient http) => target.Type switch
    {
        NotifyType.Webhook => new WebhookNotifier(target, http),
        NotifyType.Slack => new SlackNotifier(target, http),
        NotifyType.Ntfy => new NtfyNotifier(target, http),
        NotifyType.Email => new EmailNotifier(target),
        NotifyType.Ping => new PingNotifier(target, http),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target.Type, "Unknown notify type."),
    };

    /// <summary>Whether <paramref name="on"/> asks for notifications of <paramref name="kind"/> (a retention error is also a failure).</summary>
    public static bool Wants(IReadOnlySet<NotifyEvent> on, NotificationKind kind)
    {
        ArgumentNullException.ThrowIfNull(on);
        return kind switch
        {
            NotificationKind.Failure => on.Contains(NotifyEvent.Failure),
            NotificationKind.Success => on.Contains(NotifyEvent.Success),
            NotificationKind.VerifyFailure => on.Contains(NotifyEvent.VerifyFailure),
            NotificationKind.RetentionError => on.Contains(NotifyEvent.RetentionError) || on.Contains(NotifyEvent.Failure),
            NotificationKind.Missed => on.Contains(NotifyEvent.Missed),
            _ => false,
        };
    }

    /// <summary>Where a target is, for logs: the URL's scheme, host and port only (its path and query may hold a token).</summary>
    public static string Where(NotifyTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Email is { } email)
        {
            return $"smtp://{email.SmtpHost}:{email.SmtpPort}";
        }

        return target.Url is { } url && Uri.TryCreate(url.Reveal(), UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{uri.Authority}"
            : "(no url)";
    }
}

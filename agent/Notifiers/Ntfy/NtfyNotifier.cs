using System.Text;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers.Ntfy;

/// <summary>
/// Publishes to an ntfy topic (the target's url, e.g. <c>https://ntfy.sh/my-backups</c>): the details as the plain
/// text body, with <c>Title</c>, <c>Priority</c> (failures high, successes default) and <c>Tags</c> headers.
/// </summary>
internal sealed class NtfyNotifier(NotifyTarget target, HttpClient http) : INotifier
{
    public NotifyTarget Target => target;

    public bool Wants(NotificationKind kind) => NotifierKinds.Wants(target.On, kind);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        using var content = new StringContent(NotificationText.Body(notification), Encoding.UTF8, "text/plain");
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpDelivery.UrlOf(target)) { Content = content };
        foreach (var (name, value) in Headers(notification))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        await HttpDelivery.SendAsync(http, request, target, cancellationToken);
    }

    /// <summary>The ntfy headers of a notification. Header values must be ASCII: a title with other characters is sent RFC 2047-encoded, which ntfy decodes.</summary>
    public static IReadOnlyList<(string Name, string Value)> Headers(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var title = NotificationText.Title(notification);
        var (priority, tags) = notification.Kind switch
        {
            NotificationKind.Success => ("default", "white_check_mark,backup"),
            NotificationKind.Missed => ("high", "alarm_clock,backup"),
            _ => ("high", "warning,backup"),
        };
        return
        [
            ("Title", Ascii.IsValid(title) ? title : $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(title))}?="),
            ("Priority", priority),
            ("Tags", tags),
        ];
    }
}

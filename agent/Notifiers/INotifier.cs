using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers;

/// <summary>
/// Sends notifications to one target (one folder per type under <c>Notifiers/</c>). Called off the run's path, one
/// notification at a time per target, retried by <see cref="Delivery.DeliveryQueue"/>: it makes one attempt and throws
/// <see cref="NotificationDeliveryException"/> (or an <see cref="HttpRequestException"/>, an <see cref="IOException"/>)
/// when the target did not take it. Its messages never hold a secret or a URL's path or query.
/// </summary>
internal interface INotifier
{
    NotifyTarget Target { get; }

    /// <summary>Whether this target wants to hear of <paramref name="kind"/> (its <c>on</c> list; a ping target also hears of starts).</summary>
    bool Wants(NotificationKind kind);

    Task SendAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>A target did not take a notification: it answered with an error, or could not be reached.</summary>
internal sealed class NotificationDeliveryException : Exception
{
    public NotificationDeliveryException()
    {
    }

    public NotificationDeliveryException(string message)
        : base(message)
    {
    }

    public NotificationDeliveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

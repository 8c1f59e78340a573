namespace VolumeAgent.Policy.Notify;

/// <summary>How <see cref="NotifyEvent"/>s and <see cref="NotifyType"/>s are written in backup.yml and in notifications.</summary>
internal static class NotifyEvents
{
    public static readonly IReadOnlyList<(string Name, NotifyEvent Value)> Names =
    [
        ("failure", NotifyEvent.Failure),
        ("success", NotifyEvent.Success),
        ("verify_failure", NotifyEvent.VerifyFailure),
        ("retention_error", NotifyEvent.RetentionError),
        ("missed", NotifyEvent.Missed),
    ];

    public static readonly IReadOnlyList<(string Name, NotifyType Value)> Types =
    [
        ("webhook", NotifyType.Webhook),
        ("slack", NotifyType.Slack),
        ("ntfy", NotifyType.Ntfy),
        ("email", NotifyType.Email),
        ("ping", NotifyType.Ping),
    ];

    public static string Text(NotifyEvent value) => Names.First(n => n.Value == value).Name;

    public static string Text(NotifyType value) => Types.First(n => n.Value == value).Name;
}

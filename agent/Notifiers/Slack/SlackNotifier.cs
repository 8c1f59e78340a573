using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers.Slack;

/// <summary>
/// Posts to a chat's incoming webhook: <c>{"text": ..., "content": ...}</c>, the same message in Slack's and
/// Mattermost's field (<c>text</c>) and Discord's (<c>content</c>); each ignores the other's.
/// </summary>
internal sealed class SlackNotifier(NotifyTarget target, HttpClient http) : INotifier
{
    /// <summary>Discord refuses content over 2000 characters; the others allow more.</summary>
    public const int MaxLength = 1900;

    public NotifyTarget Target => target;

    public bool Wants(NotificationKind kind) => NotifierKinds.Wants(target.On, kind);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(Body(notification));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpDelivery.UrlOf(target)) { Content = content };
        await HttpDelivery.SendAsync(http, request, target, cancellationToken);
    }

    public static byte[] Body(Notification notification)
    {
        var text = Text(notification);
        return JsonSerializer.SerializeToUtf8Bytes(new SlackMessage { Text = text, Content = text }, SlackJsonContext.Default.SlackMessage);
    }

    /// <summary>The title in bold, then the details; cut to <see cref="MaxLength"/>.</summary>
    public static string Text(Notification notification)
    {
        var text = $"*{NotificationText.Title(notification)}*\n{NotificationText.Body(notification)}";
        return text.Length <= MaxLength ? text : string.Concat(text.AsSpan(0, MaxLength), "…");
    }
}

internal sealed record SlackMessage
{
    public required string Text { get; init; }

    public required string Content { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SlackMessage))]
internal sealed partial class SlackJsonContext : JsonSerializerContext;

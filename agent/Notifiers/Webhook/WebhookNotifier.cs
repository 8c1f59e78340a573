using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers.Webhook;

/// <summary>
/// Posts the notification as JSON (<see cref="WebhookPayload"/>); with <c>secret_file</c>, signs the body:
/// <c>X-VolumeAgent-Signature: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c>.
/// </summary>
internal sealed class WebhookNotifier(NotifyTarget target, HttpClient http) : INotifier
{
    public const string SignatureHeader = "X-VolumeAgent-Signature";

    public NotifyTarget Target => target;

    public bool Wants(NotificationKind kind) => NotifierKinds.Wants(target.On, kind);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var body = Body(notification);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, HttpDelivery.UrlOf(target)) { Content = content };
        if (target.SigningKey is { } key)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Signature(key.Reveal(), body));
        }

        await HttpDelivery.SendAsync(http, request, target, cancellationToken);
    }

    /// <summary>The header's value: <c>sha256=</c> and the lowercase hex HMAC-SHA256 of <paramref name="body"/> under <paramref name="key"/> (UTF-8).</summary>
    public static string Signature(string key, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(key);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), body));
    }

    public static byte[] Body(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        var artifacts = n.Artifacts.Select(a => new WebhookArtifact
        {
            Source = a.Source,
            File = a.File,
            Status = a.Succeeded ? "succeeded" : "failed",
            RawBytes = a.RawBytes,
            StoredBytes = a.StoredBytes,
            DurationMs = a.DurationMs,
            Error = a.Error,
        }).ToList();
        var payload = new WebhookPayload
        {
            Event = HttpDelivery.EventName(n.Kind),
            Job = n.Job,
            RunId = n.RunId,
            Status = n.Status,
            Trigger = n.Trigger,
            Set = n.Set,
            Storage = n.Storage,
            StartedAt = n.StartedAt,
            FinishedAt = n.FinishedAt,
            DurationSeconds = n.Duration is { } d ? Math.Round(d.TotalSeconds, 3) : null,
            RawBytes = n.RawBytes,
            StoredBytes = n.StoredBytes,
            Error = n.Error,
            Artifacts = artifacts,
            FailedArtifacts = artifacts.Where(a => a.Status != "succeeded").ToList(),
            MaxAgeSeconds = n.MaxAge is { } maxAge ? (long)maxAge.TotalSeconds : null,
            LastSuccessAt = n.LastSuccessAt,
            At = n.At,
            AgentVersion = AgentInfo.Version,
            Summary = NotificationText.Title(n),
        };
        return JsonSerializer.SerializeToUtf8Bytes(payload, WebhookJsonContext.Default.WebhookPayload);
    }
}

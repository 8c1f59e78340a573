using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using VolumeAgent.Policy.Notify;

namespace VolumeAgent.Notifiers.Email;

/// <summary>
/// Sends the notification as a plain-text email over SMTP (MailKit): one session per notification, upgraded with
/// STARTTLS when the target says <c>starttls: true</c> (the default; a server that cannot is a failed delivery),
/// logged in when it names a <c>username</c>.
/// </summary>
internal sealed class EmailNotifier(NotifyTarget target) : INotifier
{
    public NotifyTarget Target => target;

    private EmailSettings Settings => target.Email ?? throw new InvalidOperationException($"Notify target {target.Name} is not an email target.");

    public bool Wants(NotificationKind kind) => NotifierKinds.Wants(target.On, kind);

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var settings = Settings;
        using var message = Message(settings, notification);
        using var client = new SmtpClient();
        try
        {
            await client.ConnectAsync(settings.SmtpHost, settings.SmtpPort, settings.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, cancellationToken);
            if (settings.Username is { } username)
            {
                await client.AuthenticateAsync(username, settings.Password?.Reveal() ?? string.Empty, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception ex) when (ex is MailKit.Security.AuthenticationException or SmtpCommandException or SmtpProtocolException or ServiceNotConnectedException or SslHandshakeException or System.Net.Sockets.SocketException)
        {
            throw new NotificationDeliveryException($"The SMTP server {settings.SmtpHost}:{settings.SmtpPort} did not take the email: {ex.Message}", ex);
        }
    }

    public static MimeMessage Message(EmailSettings settings, Notification notification)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(notification);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Subject = "[volume-agent] " + NotificationText.Title(notification);
        message.Body = new TextPart("plain") { Text = NotificationText.Body(notification) + "\n" };
        return message;
    }
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
        if (settings.CaFile is { } caFile)
        {
            var authorities = LoadAuthorities(caFile);
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(authorities, certificate, errors);
        }

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

    /// <summary>The CA file's certificates; a file that cannot be read is a failed delivery that names it.</summary>
    private X509Certificate2Collection LoadAuthorities(string caFile)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new NotificationDeliveryException($"Notify target {target.Name}: cannot read its ca_file {caFile}: {ex.Message}", ex);
        }

        return authorities.Count > 0
            ? authorities
            : throw new NotificationDeliveryException($"Notify target {target.Name}: its ca_file {caFile} holds no PEM certificate.");
    }

    /// <summary>The server's certificate names the host and chains to one of <paramref name="authorities"/> only.</summary>
    private static bool IsTrusted(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var server = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
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

using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Net.Sockets;
using System.Text;

namespace VolumeAgent.Tests.Notifiers.Receivers;

/// <summary>One message an <see cref="SmtpSink"/> took: its envelope and its DATA as sent.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, string Data, bool OverTls = false);

/// <summary>
/// A minimal SMTP server on 127.0.0.1 (no auth; STARTTLS when given a certificate): enough of RFC 5321 and 3207 for
/// a client to send mail, which it keeps.
/// </summary>
public sealed class SmtpSink : IDisposable
{
    private readonly X509Certificate2? _certificate;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<ReceivedMail> _mails = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public SmtpSink(X509Certificate2? certificate = null)
    {
        _certificate = certificate;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }


    public async Task<ReceivedMail> WaitForMailAsync(TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        await _arrived.WaitAsync(timeout.Token);
        _mails.TryPeek(out var mail);
        return mail!;
    }

    public IReadOnlyList<ReceivedMail> Mails => [.. _mails];

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _serving.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        _arrived.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                try
                {
                    await ConverseAsync(client.GetStream());
                }
                catch (Exception ex) when (ex is IOException or AuthenticationException or OperationCanceledException)
                {
                    // A client that gave up (say, on the certificate) ends its session, not the sink.
                }
            }
        }
    }

    private async Task ConverseAsync(Stream stream, bool secured = false)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, false, 1024, leaveOpen: true);
        await using var writer = new StreamWriter(stream, Encoding.ASCII, 1024, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
        if (!secured)
        {
            await writer.WriteLineAsync("220 sink ESMTP");
        }

        var from = string.Empty;
        var to = new List<string>();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-sink");
                    if (_certificate is not null && !secured)
                    {
                        await writer.WriteLineAsync("250-STARTTLS");
                    }

                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "STARTTLS" when _certificate is not null && !secured:
                    await writer.WriteLineAsync("220 go ahead");
                    await using (var tls = new SslStream(stream, leaveInnerStreamOpen: true))
                    {
                        await tls.AuthenticateAsServerAsync(_certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                        await ConverseAsync(tls, secured: true);
                    }

                    return;
                case "MAIL":
                    from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    to.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 go on");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                    {
                        data.Append(dataLine).Append('\n');
                    }

                    _mails.Enqueue(new ReceivedMail(from, [.. to], data.ToString(), secured));
                    await writer.WriteLineAsync("250 queued");
                    _arrived.Release();
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }
}

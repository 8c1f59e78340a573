using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// Opens one TLS connection to a tcp endpoint, as the docker CLI does with DOCKER_TLS_VERIFY: the client certificate
/// of cert.pem/key.pem, and the engine's certificate accepted only when it chains to ca.pem (not the system's store),
/// is within its validity and names the host of DOCKER_HOST. Done here rather than by the library's X509 package and
/// legacy transport because that one pins TLS 1.2, ignores a host name mismatch, and half-closes a hijacked stream
/// (an exec's stdin) with a bare TCP shutdown; <see cref="TlsStream.CloseWrite"/> sends TLS close_notify first.
/// </summary>
internal sealed class TlsConnector : IDisposable
{
    private readonly DockerEndpoint _endpoint;
    private readonly EngineTls _tls;
    private readonly TimeProvider _time;
    private readonly Lazy<EngineCertificates> _certificates;

    public TlsConnector(DockerEndpoint endpoint, TimeProvider time)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _tls = endpoint.Tls ?? throw new ArgumentException($"{endpoint.Display} is not a TLS endpoint.", nameof(endpoint));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _certificates = new Lazy<EngineCertificates>(() => EngineCertificates.Load(_endpoint, _tls, _time.GetUtcNow()));
    }

    /// <summary>A connected, authenticated stream; a refused connect throws <see cref="SocketException"/>, a TLS failure <see cref="RemoteEngineException"/>.</summary>
    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        var certificates = _certificates.Value;
        var socket = await ConnectAsync(_endpoint.Tcp!, cancellationToken);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        (string Reason, string Fix)? refusal = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = _endpoint.Tcp!.Host,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

            // No session resumption: a TLS terminator in front of the socket (socat, stunnel) that verifies client
            // certificates without a session id context refuses a resumed session with "internal error".
            AllowTlsResume = false,
            ClientCertificates = certificates.Client is { } client ? [client] : null,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                refusal = _tls.Verify ? Check(certificate as X509Certificate2, chain, errors, certificates.Authorities) : null;
                return refusal is null;
            },
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            return new TlsStream(ssl, socket, _endpoint);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw refusal is { } refused
                ? EngineCertificates.Refuse(
                    _endpoint,
                    refused.Reason,
                    refused.Fix,
                    ex)
                : HandshakeFailed(_endpoint, _tls, ex);
        }
    }

    public void Dispose()
    {
        if (_certificates.IsValueCreated)
        {
            _certificates.Value.Dispose();
        }
    }

    /// <summary>A handshake or first read the engine broke off: most often it refused the client certificate.</summary>
    internal static RemoteEngineException HandshakeFailed(DockerEndpoint endpoint, EngineTls tls, Exception cause) =>
        EngineCertificates.Refuse(
            endpoint,
            $"the TLS handshake failed, or the engine closed the connection right after it: {Innermost(cause).Message}",
            (File.Exists(tls.CertificatePath)
                ? $"The engine may have refused the client certificate {tls.CertificatePath} (it must be signed by the CA the engine trusts, dockerd's --tlscacert, and be valid), "
                : $"No client certificate was sent ({tls.CertificatePath} does not exist), which an engine started with --tlsverify refuses; ")
            + "or it does not speak TLS on this port.",
            cause);

    /// <summary>Why the engine's certificate is not accepted and what to do, or null when it is.</summary>
    private (string Reason, string Fix)? Check(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection authorities)
    {
        if (certificate is null)
        {
            return ("the engine sent no certificate", "Check that DOCKER_HOST names the engine's TLS port (dockerd --tlsverify).");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!chain.Build(certificate))
        {
            var status = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s);
            return (status & X509ChainStatusFlags.NotTimeValid) != 0
                ? ($"the engine's certificate ({certificate.Subject}) is valid from {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} to {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC, not now",
                    "Renew the engine's certificate (dockerd's --tlscert), or correct the clock of the engine's or the agent's host.")
                : ($"the engine's certificate ({certificate.Subject}, issued by {certificate.Issuer}) is not signed by the CA in {_tls.CaPath} "
                   + $"({string.Join("; ", authorities.Select(a => a.Subject))}): {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct())}",
                    $"Put the CA that signed the engine's certificate (dockerd's --tlscacert) in {_tls.CaPath}; the system's CA store is not used.");
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return ($"the engine's certificate ({certificate.Subject}) is not for {_endpoint.Tcp!.Host}: it names {Names(certificate)}",
                "Set DOCKER_HOST to a name the certificate holds, or give the engine a certificate whose subjectAltName includes this one.");
        }

        return null;
    }

    private static string Names(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(ip => ip.ToString())))
            .ToList();
        return names.Count == 0 ? "no subject alternative name" : string.Join(", ", names);
    }

    private static async Task<Socket> ConnectAsync(DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var addresses = await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        SocketException? failure = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(address, endpoint.Port, cancellationToken);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                failure ??= ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw failure ?? new SocketException((int)SocketError.HostNotFound);
    }

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// The files of <see cref="EngineTls"/> read once: the CA certificate(s) of ca.pem the engine's certificate must chain
/// to (with DOCKER_TLS_VERIFY; the system's store is not consulted), and the client certificate with its key. A file
/// that is missing, unreadable, not PEM, a key that does not match, or a client certificate outside its validity
/// fails here with a <see cref="RemoteEngineException"/> naming the file and the fix, before anything is sent.
/// </summary>
internal sealed class EngineCertificates : IDisposable
{
    private EngineCertificates(X509Certificate2Collection authorities, X509Certificate2? client)
    {
        Authorities = authorities;
        Client = client;
    }

    /// <summary>ca.pem's certificates; empty without DOCKER_TLS_VERIFY.</summary>
    public X509Certificate2Collection Authorities { get; }

    public X509Certificate2? Client { get; }

    public static EngineCertificates Load(DockerEndpoint endpoint, EngineTls tls, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(tls);
        var authorities = new X509Certificate2Collection();
        if (tls.Verify)
        {
            Require(endpoint, tls, tls.CaPath, "the CA certificate that signed the engine's certificate (dockerd's --tlscacert)");
            try
            {
                authorities.ImportFromPemFile(tls.CaPath);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw Refuse(endpoint, $"cannot read the CA certificate {tls.CaPath}: {ex.Message}", "Put the PEM CA certificate there (as for the docker CLI), readable by the agent's user.", ex);
            }

            if (authorities.Count == 0)
            {
                throw Refuse(endpoint, $"{tls.CaPath} holds no PEM certificate", "Put the CA certificate that signed the engine's certificate there (-----BEGIN CERTIFICATE-----).");
            }
        }

        var hasCertificate = File.Exists(tls.CertificatePath);
        var hasKey = File.Exists(tls.KeyPath);
        if (tls.Verify || hasCertificate || hasKey)
        {
            Require(endpoint, tls, tls.CertificatePath, "the client certificate, signed by a CA the engine trusts");
            Require(endpoint, tls, tls.KeyPath, "the client certificate's private key");
        }

        return new EngineCertificates(authorities, hasCertificate || tls.Verify ? LoadClient(endpoint, tls, now) : null);
    }

    public void Dispose()
    {
        Client?.Dispose();
        foreach (var authority in Authorities)
        {
            authority.Dispose();
        }
    }

    internal static RemoteEngineException Refuse(DockerEndpoint endpoint, string reason, string fix, Exception? cause = null) =>
        new($"Cannot connect to the Docker engine at {endpoint.Display} over TLS: {reason}. {fix}", permanent: true, cause);

    private static X509Certificate2 LoadClient(DockerEndpoint endpoint, EngineTls tls, DateTimeOffset now)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw Refuse(
                endpoint,
                $"cannot load the client certificate {tls.CertificatePath} with its key {tls.KeyPath}: {ex.Message}",
                "Both must be PEM files, unencrypted, and belong together (made with the same key), readable by the agent's user.",
                ex);
        }

        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime() || now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
        {
            var reason = now.UtcDateTime > certificate.NotAfter.ToUniversalTime()
                ? $"the client certificate {tls.CertificatePath} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
                : $"the client certificate {tls.CertificatePath} is valid only from {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
            certificate.Dispose();
            throw Refuse(endpoint, reason, "Issue a new client certificate from the engine's CA and put it there with its key.");
        }

        return certificate;
    }

    private static void Require(DockerEndpoint endpoint, EngineTls tls, string path, string what)
    {
        if (!File.Exists(path))
        {
            throw Refuse(
                endpoint,
                $"{path} ({what}) does not exist",
                $"Put ca.pem, cert.pem and key.pem in {tls.Directory} as for the docker CLI, or set DOCKER_CERT_PATH to the folder that holds them.");
        }
    }
}

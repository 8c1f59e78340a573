namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// TLS to a tcp endpoint as the docker CLI sets it up from the environment: <c>DOCKER_TLS_VERIFY</c> (the engine's
/// certificate checked against <c>ca.pem</c> only, and a client certificate) or <c>DOCKER_TLS</c> (encrypted, the
/// engine's certificate not checked), with <c>ca.pem</c>, <c>cert.pem</c> and <c>key.pem</c> in <c>DOCKER_CERT_PATH</c>
/// (else <c>~/.docker</c>). Only paths: the files are read when the first connection is made (<see cref="EngineCertificates"/>).
/// </summary>
internal sealed record EngineTls(bool Verify, string Directory)
{
    public const string CaFileName = "ca.pem";
    public const string CertificateFileName = "cert.pem";
    public const string KeyFileName = "key.pem";

    /// <summary>ca.pem in <see cref="Directory"/>, unless backup.yml's <c>tls_ca_file</c> names another file.</summary>
    public string CaPath { get; init; } = Path.Combine(Directory, CaFileName);

    /// <summary>cert.pem in <see cref="Directory"/>, unless backup.yml's <c>tls_cert_file</c> names another file.</summary>
    public string CertificatePath { get; init; } = Path.Combine(Directory, CertificateFileName);

    /// <summary>key.pem in <see cref="Directory"/>, unless backup.yml's <c>tls_key_file</c> names another file.</summary>
    public string KeyPath { get; init; } = Path.Combine(Directory, KeyFileName);

    /// <summary>How the connection is secured, for <c>engine</c> and <c>validate</c>: paths only.</summary>
    public string Description => Verify
        ? $"TLS, the engine's certificate checked against {CaPath} only, client certificate {CertificatePath}"
        : $"TLS without checking the engine's certificate (DOCKER_TLS), client certificate {CertificatePath} if present";

    /// <summary>The settings for <paramref name="verify"/> with DOCKER_CERT_PATH, else ~/.docker as the CLI defaults.</summary>
    public static EngineTls FromEnvironment(bool verify, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var directory = environment("DOCKER_CERT_PATH");
        if (string.IsNullOrWhiteSpace(directory))
        {
            var home = environment("HOME");
            home = string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home;
            directory = Path.Combine(home, ".docker");
        }

        return new EngineTls(verify, Path.GetFullPath(directory));
    }
}

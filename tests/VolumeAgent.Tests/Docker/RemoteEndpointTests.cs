using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;
using VolumeAgent.Docker.Engine.Remote;

namespace VolumeAgent.Tests.Docker;

/// <summary>DOCKER_HOST with TLS and ssh read as the docker CLI reads them, the ssh command line, and what each failure says.</summary>
public sealed class RemoteEndpointTests
{
    [Fact]
    public void FromEnvironment_TlsVerify_ReadsTheCertificateFolderAndDefaultsToPort2376()
    {
        var endpoint = DockerEndpoint.FromEnvironment(Environment(("DOCKER_HOST", "tcp://engine.example"), ("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs")));

        endpoint.Display.Should().Be("tcp://engine.example:2376");
        endpoint.Tls.Should().Be(new EngineTls(Verify: true, "/certs"));
        endpoint.Tls!.CaPath.Should().Be("/certs/ca.pem");
        endpoint.Tls.CertificatePath.Should().Be("/certs/cert.pem");
        endpoint.Tls.KeyPath.Should().Be("/certs/key.pem");
        endpoint.Description.Should().Be("tcp://engine.example:2376 (TLS, the engine's certificate checked against /certs/ca.pem only, client certificate /certs/cert.pem)");
        EngineConnection.LibraryUri(endpoint).Should().Be(new Uri("http://engine.example:2376"), "TLS is the agent's connection; the library speaks HTTP over it");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("true")]
    public void FromEnvironment_TlsVerifyAnyNonEmptyValue_TurnsTlsOn_AsTheCliDoes(string value)
    {
        var endpoint = DockerEndpoint.FromEnvironment(Environment(("DOCKER_HOST", "tcp://h:1234"), ("DOCKER_TLS_VERIFY", value), ("HOME", "/home/agent")));

        endpoint.Tls.Should().Be(new EngineTls(Verify: true, "/home/agent/.docker"));
        endpoint.Display.Should().Be("tcp://h:1234");
    }

    [Fact]
    public void FromEnvironment_DockerTlsWithoutVerify_IsTlsThatDoesNotCheckTheEngine()
    {
        var endpoint = DockerEndpoint.FromEnvironment(Environment(("DOCKER_HOST", "tcp://h:2376"), ("DOCKER_TLS", "1"), ("DOCKER_CERT_PATH", "/c")));

        endpoint.Tls.Should().Be(new EngineTls(Verify: false, "/c"));
        endpoint.Description.Should().Contain("without checking the engine's certificate");
    }

    [Theory]
    [InlineData("tcp://h", "tcp://h:2375")]
    [InlineData("unix:///run/docker.sock", "unix:///run/docker.sock")]
    [InlineData("ssh://me@h", "ssh://me@h")]
    public void FromEnvironment_NoTlsVariables_OrNotTcp_HasNoTls(string host, string display)
    {
        DockerEndpoint.FromEnvironment(Environment(("DOCKER_HOST", host), ("DOCKER_TLS_VERIFY", string.Empty))).Tls.Should().BeNull();
        var ignored = DockerEndpoint.FromEnvironment(Environment(("DOCKER_HOST", host), ("DOCKER_TLS_VERIFY", host.StartsWith("tcp", StringComparison.Ordinal) ? string.Empty : "1")));
        ignored.Tls.Should().BeNull("the CLI ignores the TLS variables for a socket and for ssh");
        ignored.Display.Should().Be(display);
    }

    [Theory]
    [InlineData("ssh://backup@db-host", "backup", "db-host", null, "ssh://backup@db-host")]
    [InlineData("ssh://db-host:2222", null, "db-host", 2222, "ssh://db-host:2222")]
    [InlineData("ssh://backup@10.0.0.5:22", "backup", "10.0.0.5", 22, "ssh://backup@10.0.0.5:22")]
    [InlineData("ssh://backup@db-host/", "backup", "db-host", null, "ssh://backup@db-host")]
    public void Parse_Ssh_TakesUserHostAndPort(string value, string? user, string host, int? port, string display)
    {
        var endpoint = DockerEndpoint.Parse(value);

        endpoint.Ssh.Should().Be(new SshTarget(user, host, port));
        endpoint.Display.Should().Be(display);
        endpoint.Description.Should().Be($"{display} (the system ssh client, then `docker system dial-stdio` on {host})");
    }

    [Theory]
    [InlineData("ssh://user:secret@host", "password")]
    [InlineData("ssh://user@host/var/run/docker.sock", "path")]
    [InlineData("ssh://-oProxyCommand=touch@host", "'-'")]
    [InlineData("ssh://", "ssh://USER@HOST")]
    public void Parse_SshWithPasswordPathOrOption_IsRefusedSayingTheForm(string value, string said)
    {
        var act = () => DockerEndpoint.Parse(value);

        act.Should().Throw<ArgumentException>().Which.Message.Should().Contain(said);
    }

    [Fact]
    public void SshArguments_RefuseUnknownHostKeys_NeverPrompt_AndRunDialStdio()
    {
        var endpoint = DockerEndpoint.Parse("ssh://backup@db-host:2222");

        var arguments = new SshConnector(endpoint, Environment(("VOLUME_AGENT_SSH_CONFIG", "/etc/agent/ssh_config"))).Arguments();

        arguments.Should().Equal(
            "-F", "/etc/agent/ssh_config", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30", "-o", "ServerAliveInterval=30",
            "-l", "backup", "-p", "2222", "--", "db-host", "docker", "system", "dial-stdio");
        new SshConnector(DockerEndpoint.Parse("ssh://h"), Environment()).Arguments().Should().NotContain("-F").And.NotContain("-l").And.NotContain("-p");
    }

    [Theory]
    [InlineData(255, "No ED25519 host key is known for [h]:2222 and you have requested strict checking.\nHost key verification failed.", "is not in known_hosts, and the agent never accepts an unknown key", true)]
    [InlineData(255, "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.", "is not the one in known_hosts", true)]
    [InlineData(255, "backup@h: Permission denied (publickey).", "ssh could not log in as backup", true)]
    [InlineData(127, "bash: line 1: docker: command not found", "has no docker command", true)]
    [InlineData(1, "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock", "could not reach its engine", false)]
    [InlineData(255, "ssh: connect to host h port 2222: Connection refused", "Connection refused", false)]
    public void SshFailure_SaysWhatHappenedWithTheEndpointAndTheFix(int exitCode, string stderr, string said, bool permanent)
    {
        var connector = new SshConnector(DockerEndpoint.Parse("ssh://backup@h:2222"), Environment());

        var failure = connector.Failure(exitCode, stderr);

        failure.Message.Should().StartWith("Cannot connect to the Docker engine at ssh://backup@h:2222: ").And.Contain(said);
        failure.Permanent.Should().Be(permanent);
    }

    [Fact]
    public void Map_RemoteFailureWrappedByTheLibrary_BecomesUnavailableWithItsWords_AndAPermanentOneIsNotACancellation()
    {
        var endpoint = DockerEndpoint.Parse("ssh://h");
        var remote = new RemoteEngineException("Cannot connect to the Docker engine at ssh://h: the host key of h is not in known_hosts.", permanent: true);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var mapped = EngineErrors.Map(new HttpRequestException("failed", remote), "ping", endpoint, CancellationToken.None);
        var aggregated = EngineErrors.Map(new AggregateException(new SocketException(), new IOException("x", remote)), "ping", endpoint, CancellationToken.None);
        var afterCancel = EngineErrors.Map(remote, "ping", endpoint, cancelled.Token);

        var unavailable = mapped.Should().BeOfType<DockerUnavailableException>().Which;
        unavailable.Message.Should().Be(remote.Message);
        unavailable.Permanent.Should().BeTrue();
        unavailable.Endpoint.Should().Be("ssh://h");
        aggregated.Should().BeOfType<DockerUnavailableException>().Which.Message.Should().Be(remote.Message);
        afterCancel.Should().BeOfType<DockerUnavailableException>();
    }

    [Fact]
    public void Unavailable_TlsEndpoint_SaysToCheckTheTlsListener_PlainTcpSaysHowToTurnTlsOn()
    {
        var refused = new HttpRequestException("Connection failed.", new SocketException((int)SocketError.ConnectionRefused));
        var tls = DockerEndpoint.Parse("tcp://h:2376", new EngineTls(true, "/c"));

        EngineErrors.Map(refused, "ping", tls, CancellationToken.None)!.Message.Should().Contain("at tcp://h:2376: Connection refused").And.Contain("with TLS (dockerd --tlsverify");
        EngineErrors.Map(refused, "ping", DockerEndpoint.Parse("tcp://h:2375"), CancellationToken.None)!.Message.Should().Contain("DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH");
    }

    [Fact]
    public void Certificates_MissingFiles_AreNamedWithDockerCertPath()
    {
        using var folder = new TempFolder();
        var endpoint = DockerEndpoint.Parse("tcp://h:2376", new EngineTls(true, folder.Path));

        var noCa = () => EngineCertificates.Load(endpoint, endpoint.Tls!, DateTimeOffset.UtcNow);
        noCa.Should().Throw<RemoteEngineException>().Which.Message.Should()
            .Be($"Cannot connect to the Docker engine at tcp://h:2376 over TLS: {folder.Path}/ca.pem (the CA certificate that signed the engine's certificate (dockerd's --tlscacert)) does not exist. "
                + $"Put ca.pem, cert.pem and key.pem in {folder.Path} as for the docker CLI, or set DOCKER_CERT_PATH to the folder that holds them.");

        var (ca, caKey) = Authority("test CA");
        folder.Write("ca.pem", ca.ExportCertificatePem());
        var noClient = () => EngineCertificates.Load(endpoint, endpoint.Tls!, DateTimeOffset.UtcNow);
        noClient.Should().Throw<RemoteEngineException>().Which.Message.Should().Contain($"{folder.Path}/cert.pem (the client certificate").And.Contain("does not exist");
        caKey.Dispose();
    }

    [Fact]
    public void Certificates_KeyOfAnotherCertificate_OrAnExpiredOne_AreRefusedSayingSo()
    {
        using var folder = new TempFolder();
        var endpoint = DockerEndpoint.Parse("tcp://h:2376", new EngineTls(true, folder.Path));
        var (ca, caKey) = Authority("test CA");
        using var clientKey = RSA.Create(2048);
        using var otherKey = RSA.Create(2048);
        using var client = new CertificateRequest("CN=agent", clientKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .Create(ca, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 31, 0, 0, 0, TimeSpan.Zero), [1, 2, 3]);
        folder.Write("ca.pem", ca.ExportCertificatePem());
        folder.Write("cert.pem", client.ExportCertificatePem());
        folder.Write("key.pem", otherKey.ExportPkcs8PrivateKeyPem());

        var mismatched = () => EngineCertificates.Load(endpoint, endpoint.Tls!, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        mismatched.Should().Throw<RemoteEngineException>().Which.Message.Should().Contain($"cannot load the client certificate {folder.Path}/cert.pem with its key {folder.Path}/key.pem").And.Contain("belong together");

        folder.Write("key.pem", clientKey.ExportPkcs8PrivateKeyPem());
        using (var loaded = EngineCertificates.Load(endpoint, endpoint.Tls!, new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)))
        {
            loaded.Client!.HasPrivateKey.Should().BeTrue();
            loaded.Authorities.Should().ContainSingle().Which.Subject.Should().Be("CN=test CA");
        }

        var expired = () => EngineCertificates.Load(endpoint, endpoint.Tls!, new DateTimeOffset(2027, 1, 2, 0, 0, 0, TimeSpan.Zero));
        var exception = expired.Should().Throw<RemoteEngineException>().Which;
        exception.Message.Should().Contain($"the client certificate {folder.Path}/cert.pem expired on 2026-12-31").And.Contain("Issue a new client certificate");
        exception.Permanent.Should().BeTrue();
        caKey.Dispose();
    }

    private static (X509Certificate2 Certificate, RSA Key) Authority(string name)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return (request.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), key);
    }

    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private sealed class TempFolder : IDisposable
    {
        public TempFolder() => Path = Directory.CreateTempSubdirectory("va-unit-tls-").FullName;

        public string Path { get; }

        public void Write(string name, string text) => File.WriteAllText(System.IO.Path.Combine(Path, name), text);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

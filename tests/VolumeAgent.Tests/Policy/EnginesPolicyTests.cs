using VolumeAgent.Docker.Engines;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Policy;

/// <summary>backup.yml's <c>engines</c> map, a source's <c>engine</c> and a stop_containers entry's (the broken forms are in Corpus/engine-*.yml).</summary>
public sealed class EnginesPolicyTests
{
    private const string Engines = """
        engines:
          db-host: { host: "tcp://10.0.0.5", tls_verify: true, cert_path: /certs/db-host }
          edge: { host: "tcp://edge.example:2400", tls_verify: true, tls_ca_file: /pki/ca.pem, tls_cert_file: /pki/agent.pem, tls_key_file: /pki/agent-key.pem }
          lab: { host: "tcp://lab.example:2376", tls: true }
          files: { host: "ssh://backup@files.example:2222", ssh_config: /etc/volume-agent/ssh_config }
          local2: { host: "unix:///run/docker-2.sock" }
          plain: { host: "tcp://127.0.0.1:2375" }

        """;

    [Fact]
    public void Load_EnginesMap_ReadsEveryFormAsDockerHostWouldBeRead()
    {
        var policy = PolicyTestHelpers.Load(Engines + PolicyTestHelpers.Minimal);

        policy.Engines.Select(e => e.Name).Should().Equal("db-host", "edge", "lab", "files", "local2", "plain");
        var dbHost = policy.Engines[0].Endpoint;
        dbHost.Display.Should().Be("tcp://10.0.0.5:2376", "a TLS endpoint without a port takes 2376, as the docker CLI");
        dbHost.Tls!.Verify.Should().BeTrue();
        dbHost.Tls.CaPath.Should().Be("/certs/db-host/ca.pem");
        dbHost.Tls.CertificatePath.Should().Be("/certs/db-host/cert.pem");
        dbHost.Tls.KeyPath.Should().Be("/certs/db-host/key.pem");
        var edge = policy.Engines[1].Endpoint.Tls!;
        (edge.CaPath, edge.CertificatePath, edge.KeyPath).Should().Be(("/pki/ca.pem", "/pki/agent.pem", "/pki/agent-key.pem"));
        policy.Engines[2].Endpoint.Tls!.Verify.Should().BeFalse();
        policy.Engines[3].Endpoint.Ssh!.Host.Should().Be("files.example");
        policy.Engines[3].SshConfig.Should().Be("/etc/volume-agent/ssh_config");
        policy.Engines[4].Endpoint.SocketPath.Should().Be("/run/docker-2.sock");
        policy.Engines[5].Endpoint.Tls.Should().BeNull();
        policy.Engines[5].Endpoint.Display.Should().Be("tcp://127.0.0.1:2375");
    }

    [Fact]
    public void Load_EngineOnSourcesAndStopContainers_NamesTheEngineOrTheDefault()
    {
        var policy = PolicyTestHelpers.Load(Engines + PolicyTestHelpers.WithJob("""
            stop_containers: [app, { container: worker, engine: db-host }, { container: web }, { container: app, engine: edge }]
            sources:
              - volume: data
              - { volume: data, engine: db-host, name: data-far }
              - { volume: logs, engine: default }
            """));

        var job = policy.Jobs[0];
        job.StopContainers.Should().Equal(
            new ContainerToStop("app"), new ContainerToStop("worker", "db-host"), new ContainerToStop("web"), new ContainerToStop("app", "edge"));
        job.Sources.Select(s => s.Engine).Should().Equal(EngineRegistry.DefaultName, "db-host", EngineRegistry.DefaultName);
        job.Sources.OfType<VolumeSource>().Select(s => s.Volume).Should().Equal("data", "data", "logs");
        job.StopContainers[1].ToString().Should().Be("worker (engine db-host)");
    }

    [Fact]
    public void Describe_ListsTheEnginesWithPathsOnly_AndSourcesOnOtherEngines()
    {
        var policy = PolicyTestHelpers.Load(Engines + PolicyTestHelpers.WithSources("- { volume: data, engine: files }"));

        var text = policy.Describe();

        text.Should().Contain("engines (6 besides default, the engine of DOCKER_HOST):")
            .And.Contain("db-host: tcp://10.0.0.5:2376 (TLS, the engine's certificate checked against /certs/db-host/ca.pem only, client certificate /certs/db-host/cert.pem)")
            .And.Contain("files: ssh://backup@files.example:2222 (the system ssh client, then `docker system dial-stdio` on files.example), ssh config /etc/volume-agent/ssh_config")
            .And.Contain("volume data on engine files");
    }

    [Fact]
    public void Load_WithoutEnginesMap_EverythingIsOnTheDefaultEngine()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.WithJob("stop_containers: [app]\nsources:\n  - volume: data\n"));

        policy.Engines.Should().BeEmpty();
        policy.Jobs[0].Sources[0].Engine.Should().Be(EngineRegistry.DefaultName);
        policy.Jobs[0].StopContainers.Should().Equal(new ContainerToStop("app", EngineRegistry.DefaultName));
    }
}

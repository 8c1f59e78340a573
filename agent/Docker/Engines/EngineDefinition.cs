namespace VolumeAgent.Docker.Engines;

/// <summary>
/// One engine the agent may reach by name: the default one from the environment (DOCKER_HOST and its TLS variables),
/// or an entry of backup.yml's <c>engines:</c> map with its endpoint and its own TLS or ssh settings.
/// </summary>
/// <param name="Name">The name sources and stop_containers give as <c>engine:</c>; <see cref="EngineRegistry.DefaultName"/> for the environment's.</param>
/// <param name="Endpoint">Where it listens and how it is secured (TLS paths, the ssh target).</param>
/// <param name="SshConfig">An ssh config file for an <c>ssh://</c> endpoint (<c>ssh -F</c>); null: VOLUME_AGENT_SSH_CONFIG, else ~/.ssh/config.</param>
internal sealed record EngineDefinition(string Name, DockerEndpoint Endpoint, string? SshConfig = null)
{
    /// <summary>The name, the endpoint and how it is reached, for <c>engine</c> and <c>validate</c> (paths, never contents).</summary>
    public string Description => SshConfig is null ? $"{Name}: {Endpoint.Description}" : $"{Name}: {Endpoint.Description}, ssh config {SshConfig}";
}

using VolumeAgent.Docker.Engines;

namespace VolumeAgent.Policy.Jobs;

/// <summary>An entry of a job's <c>stop_containers</c>: a container or compose service, on the engine it runs on.</summary>
internal sealed record ContainerToStop(string Name, string Engine = EngineRegistry.DefaultName)
{
    public override string ToString() => Engine == EngineRegistry.DefaultName ? Name : $"{Name} (engine {Engine})";
}

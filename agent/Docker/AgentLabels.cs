using VolumeAgent.Manifest;

namespace VolumeAgent.Docker;

/// <summary>Labels on every Docker object the agent creates, so a later start can find and sweep leftovers.</summary>
internal static class AgentLabels
{
    public const string Owner = "io.volume-agent.owner";
    public const string OwnerValue = "volume-agent";
    public const string RunId = "io.volume-agent.run-id";
    public const string Role = "io.volume-agent.role";
    public const string Job = "io.volume-agent.job";
    public const string Instance = "io.volume-agent.instance";

    public static Dictionary<string, string> For(string runId, string role, string? job = null)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Owner] = OwnerValue,
            [RunId] = runId,
            [Role] = role,
        };
        if (job is not null)
        {
            labels[Job] = job;
        }

        return labels;
    }
}

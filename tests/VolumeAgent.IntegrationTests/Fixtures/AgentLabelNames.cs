namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The labels the agent puts on what it creates, as a user or another tool sees them. Written out here rather
/// than taken from the agent's own constants, so that renaming one in the agent fails a test instead of
/// silently moving the test along with it.
/// </summary>
internal static class AgentLabelNames
{
    public const string Owner = "io.volume-agent.owner";

    /// <summary>The value of <see cref="Owner"/> on the agent's own objects (the tests' objects say volume-agent-test).</summary>
    public const string OwnerValue = "volume-agent";

    public const string RunId = "io.volume-agent.run-id";

    public const string Role = "io.volume-agent.role";

    public const string Job = "io.volume-agent.job";

    public const string Instance = "io.volume-agent.instance";

    /// <summary>A filter for the agent's own objects (containers and volumes).</summary>
    public static Dictionary<string, string?> OwnedByAgent() => new(StringComparer.Ordinal) { [Owner] = OwnerValue };

    /// <summary>A filter for the agent's objects of one job.</summary>
    public static Dictionary<string, string?> OfJob(string job) => new(StringComparer.Ordinal) { [Owner] = OwnerValue, [Job] = job };
}

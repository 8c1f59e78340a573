using System.Xml.Linq;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// agent/hot-methods.txt lays out the native binary's code (IlcOrderFile in agent/VolumeAgent.csproj, written by
/// bench/hot-code.sh). The compiler skips names it does not know, so a list gone stale after renames would cost every
/// run several MiB of memory without a word: its staleness fails here instead.
/// </summary>
public sealed class HotMethodsTests
{
    private const string Regenerate = "re-run `sudo bash bench/hot-code.sh` and commit agent/hot-methods.txt";

    private static readonly string ListPath = Path.Combine(AgentSourceFiles.AgentDirectory, "hot-methods.txt");

    [Fact]
    public void TheNativePublish_LaysOutItsCodeByTheList()
    {
        var project = XDocument.Load(Path.Combine(AgentSourceFiles.AgentDirectory, "VolumeAgent.csproj"));

        project.Descendants("IlcOrderFile").Select(e => e.Value).Should().Equal("$(MSBuildThisFileDirectory)hot-methods.txt");
        File.Exists(ListPath).Should().BeTrue(Regenerate);
    }

    [Fact]
    public void TheAgentMethodsItNames_BelongToTypesTheAgentStillHas()
    {
        // The compiler's names for the agent's methods: the assembly's name, then the type's full name, '.', '+' and
        // '`' each turned into '_', then the method ("volume_agent_VolumeAgent_Docker_StdoutStream__ReadFrameAsync").
        var typePrefixes = typeof(VolumeAgent.AgentInfo).Assembly.GetTypes()
            .Where(t => !t.IsNested && t.Namespace?.StartsWith("VolumeAgent", StringComparison.Ordinal) == true)
            .Select(t => "volume_agent_" + t.FullName!.Replace('.', '_').Replace('`', '_') + "_")
            .ToList();
        var agentMethods = File.ReadLines(ListPath).Where(n => n.StartsWith("volume_agent_VolumeAgent_", StringComparison.Ordinal)).ToList();

        var stale = agentMethods.Where(n => !typePrefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal))).ToList();

        agentMethods.Should().HaveCountGreaterThan(1000, "the list holds the agent's own hot methods; " + Regenerate);
        stale.Count.Should().BeLessThan(agentMethods.Count / 10,
            $"{stale.Count} of its {agentMethods.Count} agent methods name types the agent no longer has (e.g. {string.Join(", ", stale.Take(3))}); " + Regenerate);
    }
}

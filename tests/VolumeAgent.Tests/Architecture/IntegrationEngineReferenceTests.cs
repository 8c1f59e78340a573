using System.Text.RegularExpressions;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// The integration tests set up, inspect and clean up through their own engine client (Docker.DotNet.Enhanced) and
/// Testcontainers, never through the agent's engine layer (<c>VolumeAgent.Docker</c>), so a bug in that layer cannot
/// hide itself in a test's fixtures. Only the tests whose subject is that layer name it, and the two fixture files
/// that hand it to them.
/// </summary>
public sealed partial class IntegrationEngineReferenceTests
{
    /// <summary>Files (relative to tests/VolumeAgent.IntegrationTests) that may name the agent's engine layer.</summary>
    public static readonly string[] EngineSubjectFiles =
    [
        "ArchiveStatTests.cs",
        "CancellationTests.cs",
        "ContainerPauseTests.cs",
        "ContainerTests.cs",
        "EngineTests.cs",
        "ExecStopTests.cs",
        "ExecTests.cs",
        "ImageTests.cs",
        "LargeStreamTests.cs",
        "LogsTests.cs",
        "VolumeDataTests.cs",
        "VolumeTests.cs",

        // DockerFixture.Engine: the layer under test, for the files above.
        "Fixtures/DockerFixture.Engine.cs",

        // The agent's request model translated for the library client, for the files above.
        "Fixtures/EngineModelRequests.cs",
    ];

    private static readonly string IntegrationDirectory = Path.Combine(FindRepositoryRoot(), "tests", "VolumeAgent.IntegrationTests");

    [Fact]
    public void IntegrationTests_OutsideTheEngineSubjectFiles_NeverNameTheAgentsEngineLayer()
    {
        var offenders = SourceFiles()
            .Where(file => !EngineSubjectFiles.Contains(file, StringComparer.Ordinal))
            .SelectMany(file => File.ReadLines(Path.Combine(IntegrationDirectory, file)).Select((line, i) => (file, line, number: i + 1)))
            .Where(l => EngineLayerReference().IsMatch(l.line))
            .Select(l => $"{l.file}:{l.number}: {l.line.Trim()}")
            .ToList();

        offenders.Should().BeEmpty(
            "integration tests reach the engine through the library client (DockerFixture.Client) and Testcontainers; "
            + "only the tests of the engine layer itself use it, through DockerFixture.Engine (list them in EngineSubjectFiles)");
    }

    [Fact]
    public void EngineSubjectFiles_AllExist()
    {
        EngineSubjectFiles.Should().BeSubsetOf(SourceFiles(), "a renamed or deleted file must leave this list too, or the list grows stale");
    }

    [Fact]
    public void EngineLayerReference_MatchesTheWaysCodeNamesTheLayer()
    {
        EngineLayerReference().IsMatch("using VolumeAgent.Docker;").Should().BeTrue();
        EngineLayerReference().IsMatch("using VolumeAgent.Docker.Models;").Should().BeTrue();
        EngineLayerReference().IsMatch("using VolumeAgent.Docker.Http;").Should().BeTrue();
        EngineLayerReference().IsMatch("await using var c = VolumeAgent.Docker.DockerEngine.FromEnvironment(log);").Should().BeTrue();
        EngineLayerReference().IsMatch("new Docker.Models.ContainerCreateRequest { Image = image }").Should().BeTrue();
        EngineLayerReference().IsMatch("var c = new Docker.Http.DockerClient();").Should().BeTrue();
        EngineLayerReference().IsMatch("labels[AgentLabels.Job] = job;").Should().BeTrue();
        EngineLayerReference().IsMatch("using Docker.DotNet.Models;").Should().BeFalse();
        EngineLayerReference().IsMatch("using VolumeAgent.IntegrationTests.Fixtures.Client;").Should().BeFalse();
        EngineLayerReference().IsMatch("labels[AgentLabelNames.Job] = job;").Should().BeFalse();
    }

    /// <summary>
    /// The namespace, written out or relative to <c>VolumeAgent</c> (<c>Docker.Models.</c>, <c>Docker.Http.</c>), and the
    /// agent's label constants (the tests spell the labels out in AgentLabelNames, so a rename in the agent fails).
    /// </summary>
    [GeneratedRegex(@"\bVolumeAgent\.Docker\b|(?<![\w.])Docker\.(Models|Http)\.|\bAgentLabels\b")]
    private static partial Regex EngineLayerReference();

    private static List<string> SourceFiles() =>
        [.. Directory.EnumerateFiles(IntegrationDirectory, "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(IntegrationDirectory, file).Replace('\\', '/'))
            .Where(file => !file.StartsWith("bin/", StringComparison.Ordinal) && !file.StartsWith("obj/", StringComparison.Ordinal))];

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VolumeAgent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds VolumeAgent.sln.");
    }
}

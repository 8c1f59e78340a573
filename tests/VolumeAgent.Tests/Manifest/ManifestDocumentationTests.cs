using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using VolumeAgent.Manifest;

namespace VolumeAgent.Tests.Manifest;

/// <summary>docs/manifest.md is the contract people restore by; these keep it in step with the code.</summary>
public sealed partial class ManifestDocumentationTests
{
    private static readonly Lazy<string> Document = new(() => File.ReadAllText(Path.Combine(FindRepositoryRoot(), "docs", "manifest.md")));

    [Fact]
    public void Example_IsAValidManifestThatSerializesBackToTheSameJson()
    {
        var example = JsonBlock().Match(Document.Value).Groups["json"].Value;

        var manifest = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(example));

        Encoding.UTF8.GetString(ManifestSerializer.SerializeToUtf8Bytes(manifest)).Should().Be(example.TrimEnd('\n'));
    }

    [Theory]
    [InlineData("Top level", "")]
    [InlineData("Artifact", "artifacts")]
    [InlineData("Verification", "verification")]
    public void Tables_ListExactlyThePropertiesTheCodeWrites(string heading, string jsonPath)
    {
        var section = Document.Value.Split($"## {heading}\n")[1].Split("\n## ")[0];
        var documented = TableRow().Matches(section).Select(m => m.Groups["name"].Value).ToList();

        documented.Should().Equal(WrittenNames(jsonPath));
    }

    [Theory]
    [InlineData("Top level", "format_version,job,run_id,trigger,status,started_at,finished_at,agent_version,artifacts")]
    [InlineData("Artifact", "file,source_kind,source_name,format,compression,raw_bytes,stored_bytes,sha256,status,started_at,duration_ms")]
    [InlineData("Verification", "verified_at,kind,status")]
    public void Tables_MarkAsRequiredExactlyWhatTheReaderRequires(string heading, string required)
    {
        var section = Document.Value.Split($"## {heading}\n")[1].Split("\n## ")[0];

        var documented = TableRow().Matches(section).Where(m => m.Groups["required"].Value == "yes").Select(m => m.Groups["name"].Value);

        documented.Should().Equal(required.Split(','));
    }

    [Theory]
    [InlineData("format_version")]
    [InlineData("job")]
    [InlineData("agent_version")]
    [InlineData("artifacts")]
    public void RequiredTopLevelProperty_MissingFromTheExample_IsRejected(string property)
    {
        var example = JsonBlock().Match(Document.Value).Groups["json"].Value;
        var node = System.Text.Json.Nodes.JsonNode.Parse(example)!.AsObject();
        node.Remove(property);

        var read = () => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.Should().Throw<ManifestFormatException>();
    }

    private static List<string> WrittenNames(string jsonPath)
    {
        var manifest = ManifestSamples.Full();
        manifest = manifest with { Artifacts = [manifest.Artifacts[0] with { Error = "set so that every property is written" }] };
        using var json = JsonDocument.Parse(ManifestSerializer.SerializeToUtf8Bytes(manifest));
        var element = jsonPath switch
        {
            "" => json.RootElement,
            "artifacts" => json.RootElement.GetProperty("artifacts")[0],
            _ => json.RootElement.GetProperty(jsonPath),
        };
        return [.. element.EnumerateObject().Select(p => p.Name)];
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VolumeAgent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No VolumeAgent.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex("```json\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex(@"^\| `(?<name>[a-z0-9_]+)` \| [^|]+ \| (?<required>yes|no) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}

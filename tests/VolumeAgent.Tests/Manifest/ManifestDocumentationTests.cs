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
    [InlineData("Snapshot", "artifacts.snapshot")]
    [InlineData("Verification", "verification")]
    public void Tables_ListExactlyThePropertiesTheCodeWrites(string heading, string jsonPath)
    {
        var section = Section(heading);
        var documented = TableRow().Matches(section).Select(m => m.Groups["name"].Value).ToList();

        documented.Should().Equal(WrittenNames(jsonPath));
    }

    [Theory]
    [InlineData("Top level", "format_version,job,run_id,trigger,status,started_at,finished_at,agent_version,artifacts")]
    [InlineData("Artifact", "file,source_kind,source_name,format,compression,raw_bytes,stored_bytes,sha256,status,started_at,duration_ms")]
    [InlineData("Snapshot", "storage,id")]
    [InlineData("Verification", "verified_at,kind,status")]
    public void Tables_MarkAsRequiredExactlyWhatTheReaderRequires(string heading, string required)
    {
        var section = Section(heading);

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
        // The first artifact sets every property but a snapshot (a file_tree, which has no file): the last one has it.
        var manifest = ManifestSamples.Full();
        var tree = manifest.Artifacts.Single(a => a.Snapshot is not null);
        manifest = manifest with { Artifacts = [manifest.Artifacts[0] with { Error = "set so that every property is written" }, tree] };
        using var json = JsonDocument.Parse(ManifestSerializer.SerializeToUtf8Bytes(manifest));
        var artifacts = json.RootElement.GetProperty("artifacts");
        IEnumerable<JsonElement> elements = jsonPath switch
        {
            "" => [json.RootElement],
            "artifacts" => [artifacts[0], artifacts[1]],
            "artifacts.snapshot" => [artifacts[1].GetProperty("snapshot")],
            _ => [json.RootElement.GetProperty(jsonPath)],
        };
        return [.. elements.SelectMany(e => e.EnumerateObject().Select(p => p.Name)).Distinct()];
    }

    /// <summary>The text under a <c>##</c> or <c>###</c> heading, up to the next heading of either level.</summary>
    private static string Section(string heading)
    {
        var start = Regex.Match(Document.Value, $"^###? {Regex.Escape(heading)}\n", RegexOptions.Multiline);
        start.Success.Should().BeTrue($"docs/manifest.md has a heading '{heading}'");
        var rest = Document.Value[(start.Index + start.Length)..];
        var next = Regex.Match(rest, "^##", RegexOptions.Multiline);
        return next.Success ? rest[..next.Index] : rest;
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

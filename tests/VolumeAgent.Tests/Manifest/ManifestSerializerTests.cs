using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Manifest;

public sealed class ManifestSerializerTests
{
    private static readonly string[] TopLevelNames =
    [
        "format_version", "job", "run_id", "trigger", "tag", "status", "started_at", "finished_at", "agent_version",
        "host", "node", "error", "artifacts", "verification", "storages",
    ];

    private static readonly string[] ArtifactNames =
    [
        "file", "source_kind", "source_name", "database", "container", "engine", "image", "tool_version", "format",
        "compression", "raw_bytes", "stored_bytes", "sha256", "encryption", "plaintext_sha256", "status", "started_at", "duration_ms", "error",
        "tree_digest", "entries",
    ];

    private static readonly string[] VerificationNames = ["verified_at", "kind", "status", "details"];
    private static readonly string[] StorageNames = ["name", "status", "error", "synced_at"];

    [Fact]
    public void Serialize_FullManifest_UsesExactlyTheDocumentedSnakeCaseNames()
    {
        var manifest = ManifestSamples.Full();
        manifest = manifest with { Artifacts = [manifest.Artifacts[0] with { Error = "exit code 1 after output" }] };
        var json = Encoding.UTF8.GetString(ManifestSerializer.SerializeToUtf8Bytes(manifest));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        Names(root).Should().Equal(TopLevelNames);
        Names(root.GetProperty("artifacts")[0]).Should().Equal(ArtifactNames);
        Names(root.GetProperty("verification")).Should().Equal(VerificationNames);
        Names(root.GetProperty("storages")[1]).Should().Equal(StorageNames);
    }

    [Fact]
    public void Serialize_FullManifest_WritesEnumsLowercaseTimesInUtcAndIndents()
    {
        var json = Encoding.UTF8.GetString(ManifestSerializer.SerializeToUtf8Bytes(ManifestSamples.Full()));

        json.Should().StartWith("{\n  \"format_version\": 1,\n  \"job\": \"nightly\",\n  \"run_id\": \"0a1b2c3d\",");
        json.Should().Contain("\"trigger\": \"manual\"")
            .And.Contain("\"status\": \"failed\"")
            .And.Contain("\"source_kind\": \"postgres\"")
            .And.Contain("\"format\": \"pg_custom\"")
            .And.Contain("\"compression\": \"none\"")
            .And.Contain("\"compression\": \"zstd\"")
            .And.Contain("\"kind\": \"drill\"")
            .And.Contain("\"started_at\": \"2026-11-21T02:00:03.5Z\"")
            .And.Contain("\"finished_at\": \"2026-11-21T02:01:33.5Z\"")
            .And.Contain("\"entries\": 42");
    }

    [Fact]
    public void Serialize_FailedArtifactWithoutFile_WritesFileAndSha256AsNullButOmitsOtherAbsentFields()
    {
        var json = ManifestSerializer.SerializeToUtf8Bytes(ManifestSamples.Full());
        using var document = JsonDocument.Parse(json);
        var failed = document.RootElement.GetProperty("artifacts")[1];

        failed.GetProperty("file").ValueKind.Should().Be(JsonValueKind.Null);
        failed.GetProperty("sha256").ValueKind.Should().Be(JsonValueKind.Null);
        Names(failed).Should().NotContain(["database", "container", "image", "tool_version", "tree_digest", "entries"]);
    }

    [Theory]
    [InlineData(0, "2026-11-21T02:00:03Z")]
    [InlineData(1, "2026-11-21T02:00:03.0000001Z")]
    [InlineData(1_230_000, "2026-11-21T02:00:03.123Z")]
    public void Serialize_Times_UseUtcWithZAndOnlyTheFractionNeeded(long ticks, string expected)
    {
        var started = new DateTimeOffset(2026, 11, 21, 4, 0, 3, TimeSpan.FromHours(2)).AddTicks(ticks);
        var manifest = ManifestSamples.Full() with { StartedAt = started };

        using var document = JsonDocument.Parse(ManifestSerializer.SerializeToUtf8Bytes(manifest));

        document.RootElement.GetProperty("started_at").GetString().Should().Be(expected);
    }

    [Theory]
    [InlineData("Tar", "tar")]
    [InlineData("PgCustom", "pg_custom")]
    [InlineData("PgPlain", "pg_plain")]
    [InlineData("Sql", "sql")]
    [InlineData("Sqlite", "sqlite")]
    [InlineData("Rdb", "rdb")]
    [InlineData("FileTree", "file_tree")]
    public void Serialize_ArtifactFormat_UsesDocumentedName(string member, string expected)
    {
        var format = SourceKinds.Formats.Single(f => f.Name == JsonNamingPolicy.SnakeCaseLower.ConvertName(member));
        var manifest = ManifestSamples.Full();
        manifest = manifest with { Artifacts = [manifest.Artifacts[0] with { Format = format }] };

        using var document = JsonDocument.Parse(ManifestSerializer.SerializeToUtf8Bytes(manifest));

        document.RootElement.GetProperty("artifacts")[0].GetProperty("format").GetString().Should().Be(expected);
    }

    [Theory]
    [InlineData("Volume", "volume")]
    [InlineData("Path", "path")]
    [InlineData("Postgres", "postgres")]
    [InlineData("Mysql", "mysql")]
    [InlineData("Sqlite", "sqlite")]
    [InlineData("Globals", "globals")]
    [InlineData("Redis", "redis")]
    public void Serialize_SourceKind_UsesDocumentedName(string member, string expected)
    {
        var kind = SourceKinds.ManifestKinds.Single(k => k.Name == JsonNamingPolicy.SnakeCaseLower.ConvertName(member));
        var manifest = ManifestSamples.Full();
        manifest = manifest with { Artifacts = [manifest.Artifacts[0] with { SourceKind = kind }] };

        using var document = JsonDocument.Parse(ManifestSerializer.SerializeToUtf8Bytes(manifest));

        document.RootElement.GetProperty("artifacts")[0].GetProperty("source_kind").GetString().Should().Be(expected);
    }

    [Theory]
    [InlineData("Schedule", "schedule")]
    [InlineData("Manual", "manual")]
    [InlineData("Drill", "drill")]
    [InlineData("PreRestore", "pre-restore")]
    public void Serialize_Trigger_UsesDocumentedName(string member, string expected)
    {
        var trigger = Enum.Parse<ManifestTrigger>(member);
        using var document = JsonDocument.Parse(ManifestSerializer.SerializeToUtf8Bytes(ManifestSamples.Full() with { Trigger = trigger }));

        document.RootElement.GetProperty("trigger").GetString().Should().Be(expected);
    }

    [Fact]
    public void EnumTables_CoverEveryMember()
    {
        // The tables above are the documented vocabulary: a new member (or a new source kind's value) must be added
        // there and to docs/manifest.md.
        SourceKinds.Formats.Select(f => f.Name).Should().BeEquivalentTo(MemberRows(nameof(Serialize_ArtifactFormat_UsesDocumentedName), column: 1));
        SourceKinds.ManifestKinds.Select(k => k.Name).Should().BeEquivalentTo(MemberRows(nameof(Serialize_SourceKind_UsesDocumentedName), column: 1));
        Enum.GetNames<ManifestTrigger>().Should().BeEquivalentTo(MemberRows(nameof(Serialize_Trigger_UsesDocumentedName)));
    }

    [Fact]
    public void Serialize_QuotesAndNonAsciiText_StayReadableButControlCharactersAreEscaped()
    {
        var manifest = ManifestSamples.Full() with { Error = "Zugriff verweigert für 'backup' <db> & \"x\"\n" };

        var json = Encoding.UTF8.GetString(ManifestSerializer.SerializeToUtf8Bytes(manifest));

        json.Should().Contain("\"error\": \"Zugriff verweigert für 'backup' <db> & \\\"x\\\"\\n\"");
        ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(json)).Error.Should().Be(manifest.Error);
    }

    [Fact]
    public void Deserialize_SerializedManifest_RoundTripsEveryField()
    {
        var original = ManifestSamples.Full();

        var read = ManifestSerializer.Deserialize(ManifestSerializer.SerializeToUtf8Bytes(original));

        read.Should().BeEquivalentTo(original);
        read.StartedAt.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Deserialize_UnknownPropertiesAnywhere_AreIgnored()
    {
        var node = ToNode(ManifestSamples.Full());
        node["added_in_a_later_version"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) };
        node["artifacts"]![0]!["compression_level"] = 19;
        node["verification"]!["verifier"] = "cron";

        var read = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.Should().BeEquivalentTo(ManifestSamples.Full());
    }

    [Theory]
    [InlineData("format_version")]
    [InlineData("job")]
    [InlineData("run_id")]
    [InlineData("status")]
    [InlineData("started_at")]
    [InlineData("artifacts")]
    public void Deserialize_MissingRequiredProperty_IsRejectedNamingIt(string property)
    {
        var node = ToNode(ManifestSamples.Full());
        node.Remove(property).Should().BeTrue();

        var read = () => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.Should().Throw<ManifestFormatException>().WithMessage($"*{property}*");
    }

    [Theory]
    [InlineData("file")]
    [InlineData("sha256")]
    [InlineData("source_kind")]
    [InlineData("stored_bytes")]
    public void Deserialize_ArtifactMissingRequiredProperty_IsRejectedNamingIt(string property)
    {
        var node = ToNode(ManifestSamples.Full());
        node["artifacts"]![0]!.AsObject().Remove(property).Should().BeTrue();

        var read = () => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.Should().Throw<ManifestFormatException>().WithMessage($"*{property}*");
    }

    [Fact]
    public void Deserialize_MinimalManifestWithoutOptionalFields_IsAccepted()
    {
        var node = ToNode(ManifestSamples.Full());
        foreach (var optional in new[] { "host", "node", "error", "verification" })
        {
            node.Remove(optional);
        }

        var read = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.Host.Should().BeNull();
        read.Node.Should().BeNull();
        read.Error.Should().BeNull();
        read.Verification.Should().BeNull();
    }

    [Theory]
    [InlineData("job", "null", "job")]
    [InlineData("job", "\"  \"", "job is empty")]
    [InlineData("run_id", "\"ABCDEF12\"", "ABCDEF12")]
    [InlineData("format_version", "0", "format_version 0")]
    [InlineData("format_version", "2", "newer agent")]
    [InlineData("status", "\"partial\"", "status")]
    [InlineData("status", "1", "status")]
    [InlineData("started_at", "\"yesterday\"", "$.started_at")]
    [InlineData("artifacts", "[null]", "artifacts[0]")]
    public void Deserialize_InvalidValue_IsRejectedWithReason(string property, string valueJson, string expectedInMessage)
    {
        var node = ToNode(ManifestSamples.Full());
        node[property] = JsonNode.Parse(valueJson);

        var read = () => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.Should().Throw<ManifestFormatException>().WithMessage($"*{expectedInMessage}*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("not json")]
    public void Deserialize_NotAManifest_IsRejected(string text)
    {
        var read = () => ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(text));

        read.Should().Throw<ManifestFormatException>();
    }

    [Fact]
    public void Deserialize_TextWithByteOrderMark_IsAccepted()
    {
        byte[] withBom = [0xEF, 0xBB, 0xBF, .. ManifestSerializer.SerializeToUtf8Bytes(ManifestSamples.Full())];

        ManifestSerializer.Deserialize(withBom).Should().BeEquivalentTo(ManifestSamples.Full());
    }

    [Fact]
    public void Deserialize_NewerFormatVersionLackingRequiredFields_ReportsTheVersionNotTheMissingFields()
    {
        var read = () => ManifestSerializer.Deserialize("{\"format_version\": 2, \"layout\": {}}"u8);

        read.Should().Throw<ManifestFormatException>().WithMessage("*format_version 2*newer agent*Upgrade*");
    }

    [Fact]
    public void Deserialize_TimeWithOffset_IsConvertedToUtc()
    {
        var node = ToNode(ManifestSamples.Full());
        node["started_at"] = "2026-11-21T04:00:03+02:00";

        var read = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.StartedAt.Should().Be(new DateTimeOffset(2026, 11, 21, 2, 0, 3, TimeSpan.Zero));
        read.StartedAt.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Deserialize_TimeWithoutOffset_IsTakenAsUtc()
    {
        var node = ToNode(ManifestSamples.Full());
        node["started_at"] = "2026-11-21T02:00:03";

        var read = ManifestSerializer.Deserialize(Encoding.UTF8.GetBytes(node.ToJsonString()));

        read.StartedAt.Should().Be(new DateTimeOffset(2026, 11, 21, 2, 0, 3, TimeSpan.Zero));
    }

    [Fact]
    public void Serialize_SucceededArtifactWithoutSha256_IsRefused()
    {
        var manifest = ManifestSamples.Full();
        manifest = manifest with { Artifacts = [manifest.Artifacts[0] with { Sha256 = null }] };

        var write = () => ManifestSerializer.SerializeToUtf8Bytes(manifest);

        write.Should().Throw<ArgumentException>().WithMessage("*artifacts[0]*sha256*");
    }

    [Fact]
    public void Serialize_OtherFormatVersion_IsRefused()
    {
        var write = () => ManifestSerializer.SerializeToUtf8Bytes(ManifestSamples.Full() with { FormatVersion = 2 });

        write.Should().Throw<ArgumentException>().WithMessage("*format_version 2*");
    }

    private static IEnumerable<string> MemberRows(string testName, int column = 0) =>
        typeof(ManifestSerializerTests).GetMethod(testName)!
            .GetCustomAttributes(typeof(InlineDataAttribute), inherit: false)
            .Cast<InlineDataAttribute>()
            .Select(row => (string)row.GetData(null!).Single()[column]);

    private static JsonObject ToNode(BackupManifest manifest) =>
        JsonNode.Parse(ManifestSerializer.SerializeToUtf8Bytes(manifest))!.AsObject();

    private static List<string> Names(JsonElement element) =>
        [.. element.EnumerateObject().Select(p => p.Name)];
}

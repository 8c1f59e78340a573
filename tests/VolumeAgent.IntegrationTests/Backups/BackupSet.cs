using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Manifest.Sets;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// One backup set directory as a person finds it on disk, read without the agent's own code: manifest.json
/// parsed as plain JSON (docs/manifest.md is the contract), SHA256SUMS checked by the real sha256sum.
/// </summary>
internal sealed partial class BackupSet
{
    public const string ManifestFile = "manifest.json";
    public const string ChecksumsFile = "SHA256SUMS";

    private BackupSet(string path, JsonElement manifest)
    {
        Path = path;
        Manifest = manifest;
        Artifacts = [.. manifest.GetProperty("artifacts").EnumerateArray().Select(SetArtifact.Read)];
    }

    public string Path { get; }

    /// <summary>yyyyMMddTHHmmssZ-runid.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    public JsonElement Manifest { get; }

    public string Status => Manifest.GetProperty("status").GetString()!;

    public IReadOnlyList<SetArtifact> Artifacts { get; }

    public static async Task<BackupSet> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var manifestPath = System.IO.Path.Combine(path, ManifestFile);
        File.Exists(manifestPath).Should().BeTrue($"a finished run leaves {ManifestFile} in its set {path}");
        await using var stream = File.OpenRead(manifestPath);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return new BackupSet(path, document.RootElement.Clone());
    }

    public SetArtifact Artifact(string file) =>
        Artifacts.Should().ContainSingle(a => a.File == file, $"the manifest of {Name} lists {file}").Subject;

    public string FilePath(string file) => System.IO.Path.Combine(Path, file);

    /// <summary>
    /// Everything docs/manifest.md promises about a finished set of a run-now: the manifest's fields, every
    /// stored file whole (its real SHA-256 and size as listed, a gzip that decompresses to raw_bytes), SHA256SUMS
    /// listing exactly those files and accepted by `sha256sum -c`, and no partial or unexplained file.
    /// </summary>
    public async Task VerifyAsync(string expectedJob, string expectedStatus, CancellationToken cancellationToken)
    {
        var m = Manifest;
        m.GetProperty("format_version").GetInt32().Should().Be(1);
        m.GetProperty("job").GetString().Should().Be(expectedJob);
        System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(Path)).Should().Be(expectedJob, "a set lives in its job's folder");
        var match = SetName().Match(Name);
        match.Success.Should().BeTrue($"a set directory is named yyyyMMddTHHmmssZ-<run id>, not {Name}");
        m.GetProperty("run_id").GetString().Should().Be(match.Groups["run"].Value);
        m.GetProperty("trigger").GetString().Should().Be("manual", "run-now is a manual trigger");
        Status.Should().Be(expectedStatus);
        var started = m.GetProperty("started_at").GetDateTimeOffset();
        var finished = m.GetProperty("finished_at").GetDateTimeOffset();
        started.Offset.Should().Be(TimeSpan.Zero);
        finished.Should().BeOnOrAfter(started);
        started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture).Should().Be(match.Groups["time"].Value, "the directory is named after the run's start");
        m.GetProperty("agent_version").GetString().Should().NotBeNullOrEmpty();
        Artifacts.Should().NotBeEmpty();
        var allSucceeded = Artifacts.All(a => a.Status == "succeeded");
        (Status == "succeeded").Should().Be(allSucceeded, "a set succeeds exactly when every artifact did");
        if (!allSucceeded)
        {
            m.GetProperty("error").GetString().Should().NotBeNullOrEmpty("a failed run says why");
        }

        var stored = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var artifact in Artifacts)
        {
            await VerifyArtifactAsync(artifact, stored, cancellationToken);
        }

        var files = Directory.EnumerateFiles(Path).Select(System.IO.Path.GetFileName).ToList();
        files.Should().NotContain(f => f!.StartsWith('.'), "no partial file may outlive a finished run");
        files.Should().BeEquivalentTo([ManifestFile, ChecksumsFile, .. stored.Keys], "a set holds its artifacts, SHA256SUMS and manifest.json, nothing else");

        var sums = await File.ReadAllLinesAsync(FilePath(ChecksumsFile), cancellationToken);
        sums.Select(ParseSumLine).Should().BeEquivalentTo(stored.Select(p => (p.Value, p.Key)), "SHA256SUMS lists exactly the stored files, with the manifest's hashes");
        sums.Select(l => l.Length > 66 ? l.Substring(66) : l).Should().BeInAscendingOrder(StringComparer.Ordinal, "SHA256SUMS is sorted by file name");
        if (stored.Count > 0)
        {
            var check = await HostProcess.RunAsync("sha256sum", ["-c", ChecksumsFile], cancellationToken, workingDirectory: Path);
            check.ExitCode.Should().Be(0, $"`sha256sum -c SHA256SUMS` must pass in {Path}: {check.Output}");
            check.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(stored.Count).And.OnlyContain(l => l.EndsWith(": OK", StringComparison.Ordinal));
        }
    }

    /// <summary>Every file of the set directory with its size and SHA-256, to show a set was left untouched.</summary>
    public static async Task<IReadOnlyDictionary<string, (long Length, string Sha256)>> SnapshotAsync(string path, CancellationToken cancellationToken)
    {
        var files = new SortedDictionary<string, (long, string)>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(path))
        {
            await using var stream = File.OpenRead(file);
            var (hex, length) = await Sha256.OfStreamAsync(stream, cancellationToken);
            files[System.IO.Path.GetFileName(file)] = (length, hex);
        }

        return files;
    }

    private async Task VerifyArtifactAsync(SetArtifact artifact, Dictionary<string, string> stored, CancellationToken cancellationToken)
    {
        if (artifact.Status == "failed")
        {
            artifact.File.Should().BeNull("a failed artifact keeps no file");
            artifact.Sha256.Should().BeNull();
            artifact.StoredBytes.Should().Be(0);
            artifact.Error.Should().NotBeNullOrEmpty("a failed artifact says why");
            return;
        }

        artifact.Status.Should().Be("succeeded");
        artifact.File.Should().NotBeNull();
        var file = artifact.File!;
        var path = FilePath(file);
        File.Exists(path).Should().BeTrue($"the manifest lists {file}");
        await using (var stream = File.OpenRead(path))
        {
            var (hex, length) = await Sha256.OfStreamAsync(stream, cancellationToken);
            artifact.Sha256.Should().Be(hex, $"the manifest's sha256 of {file} is the file's real hash");
            artifact.StoredBytes.Should().Be(length, $"stored_bytes of {file} is its real size");
        }

        switch (artifact.Compression)
        {
            case "gzip":
                file.Should().EndWith(".gz");
                await using (var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress))
                {
                    var (_, raw) = await Sha256.OfStreamAsync(gzip, cancellationToken);
                    artifact.RawBytes.Should().Be(raw, $"raw_bytes of {file} is what it decompresses to");
                }

                break;
            case "none":
                artifact.RawBytes.Should().Be(artifact.StoredBytes);
                break;
            default:
                file.Should().EndWith(".zst");
                break;
        }

        artifact.RawBytes.Should().BePositive();
        stored.Add(file, artifact.Sha256!);
    }

    private static (string Sha256, string File) ParseSumLine(string line)
    {
        line.Should().MatchRegex("^[0-9a-f]{64}  [^/]+$", "SHA256SUMS uses sha256sum's own format");
        return (line[..64], line[66..]);
    }

    [GeneratedRegex("^(?<time>[0-9]{8}T[0-9]{6}Z)-(?<run>[0-9a-f]{8})$")]
    private static partial Regex SetName();
}

/// <summary>One entry of a manifest's artifacts, as the JSON has it.</summary>
internal sealed record SetArtifact(
    string? File,
    string SourceKind,
    string SourceName,
    string? Database,
    string? Container,
    string Format,
    string Compression,
    long RawBytes,
    long StoredBytes,
    string? Sha256,
    string Status,
    string? Error,
    string? TreeDigest,
    long? Entries,
    string? ToolVersion = null)
{
    public static SetArtifact Read(JsonElement e) => new(
        e.GetProperty("file").GetString(),
        e.GetProperty("source_kind").GetString()!,
        e.GetProperty("source_name").GetString()!,
        Optional(e, "database"),
        Optional(e, "container"),
        e.GetProperty("format").GetString()!,
        e.GetProperty("compression").GetString()!,
        e.GetProperty("raw_bytes").GetInt64(),
        e.GetProperty("stored_bytes").GetInt64(),
        e.GetProperty("sha256").GetString(),
        e.GetProperty("status").GetString()!,
        Optional(e, "error"),
        Optional(e, "tree_digest"),
        e.TryGetProperty("entries", out var entries) ? entries.GetInt64() : null,
        Optional(e, "tool_version"));

    private static string? Optional(JsonElement e, string name) => e.TryGetProperty(name, out var value) ? value.GetString() : null;
}

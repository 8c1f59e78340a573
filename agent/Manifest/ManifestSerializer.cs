using System.Text.Encodings.Web;
using System.Text.Json;

namespace VolumeAgent.Manifest;

/// <summary>Reads and writes manifest.json, with the checks the JSON shape alone cannot express.</summary>
internal static class ManifestSerializer
{
    /// <summary>Real manifests are a few KiB; a bound keeps a damaged or hostile file from filling memory.</summary>
    public const int MaxManifestBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The default encoder writes quotes in error messages as \u0027 and every non-ASCII letter as an
    /// escape; a file meant for people keeps them as text (the relaxed encoder only matters inside HTML).
    /// </summary>
    private static readonly ManifestJsonContext Context = new(new JsonSerializerOptions(ManifestJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static byte[] SerializeToUtf8Bytes(BackupManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problem = FindProblem(manifest, writing: true);
        if (problem is not null)
        {
            throw new ArgumentException($"The manifest of job '{manifest.Job}' run {manifest.RunId} cannot be written: {problem}", nameof(manifest));
        }

        return JsonSerializer.SerializeToUtf8Bytes(manifest, Context.BackupManifest);
    }

    /// <exception cref="ManifestFormatException">The text is not a valid manifest; the message says why.</exception>
    public static BackupManifest Deserialize(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > MaxManifestBytes)
        {
            throw new ManifestFormatException($"manifest.json is {utf8Json.Length} bytes, more than the {MaxManifestBytes} bytes a manifest may have.");
        }

        // Editors on some systems add a byte order mark, which the JSON reader does not skip.
        if (utf8Json.StartsWith(Utf8Bom))
        {
            utf8Json = utf8Json[Utf8Bom.Length..];
        }

        // A newer format may lack fields this version requires; say so rather than list them as missing.
        if (ReadFormatVersion(utf8Json) is > BackupManifest.CurrentFormatVersion and var newer)
        {
            throw new ManifestFormatException($"manifest.json is not a valid manifest: {NewerVersionProblem(newer)}");
        }

        BackupManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(utf8Json, Context.BackupManifest);
        }
        catch (JsonException ex)
        {
            // A converter's own message lacks the location, which the reader adds to the exception.
            var location = ex.Path is { } path && !ex.Message.Contains(path, StringComparison.Ordinal) ? $" (at {path})" : string.Empty;
            throw new ManifestFormatException($"manifest.json is not a valid manifest: {ex.Message}{location}", ex);
        }

        if (manifest is null)
        {
            throw new ManifestFormatException("manifest.json holds null instead of a manifest object.");
        }

        var problem = FindProblem(manifest, writing: false);
        return problem is null ? manifest : throw new ManifestFormatException($"manifest.json is not a valid manifest: {problem}");
    }

    private static string? FindProblem(BackupManifest manifest, bool writing)
    {
        if (manifest.FormatVersion < 1)
        {
            return $"format_version {manifest.FormatVersion} is not a version (versions start at 1).";
        }

        // Additive changes keep the version; a higher one means fields changed meaning, and guessing
        // what a newer agent meant could let retention delete the wrong set.
        if (manifest.FormatVersion > BackupManifest.CurrentFormatVersion)
        {
            return writing
                ? $"format_version {manifest.FormatVersion} is not the version this agent writes ({BackupManifest.CurrentFormatVersion})."
                : NewerVersionProblem(manifest.FormatVersion);
        }

        if (string.IsNullOrWhiteSpace(manifest.Job))
        {
            return "job is empty.";
        }

        if (manifest.Artifacts is null)
        {
            return "artifacts is missing.";
        }

        for (var i = 0; i < manifest.Artifacts.Count; i++)
        {
            var artifact = manifest.Artifacts[i];
            var problem = artifact is null ? "is null." : FindProblem(artifact);
            if (problem is not null)
            {
                return $"artifacts[{i}] {problem}";
            }
        }

        return null;
    }

    private static string? FindProblem(ManifestArtifact artifact)
    {
        if (artifact.Sha256 is not null && !IsSha256Hex(artifact.Sha256))
        {
            return $"sha256 '{artifact.Sha256}' is not 64 lowercase hex characters.";
        }

        if (artifact.Snapshot is { } snapshot)
        {
            if (string.IsNullOrWhiteSpace(snapshot.Storage) || string.IsNullOrWhiteSpace(snapshot.Id) || artifact.File is not null)
            {
                return "has a snapshot without its storage or id, or a snapshot and a file.";
            }
        }
        else if (artifact.Status == ManifestStatus.Succeeded && (artifact.File is null || artifact.Sha256 is null))
        {
            return "succeeded but has no file or no sha256.";
        }

        if (artifact.RawBytes < 0 || artifact.StoredBytes < 0 || artifact.DurationMs < 0 || artifact.Entries < 0)
        {
            return "has a negative size, duration or entry count.";
        }

        return null;
    }

    private static string NewerVersionProblem(int version) =>
        $"format_version {version} was written by a newer agent; this agent reads up to version {BackupManifest.CurrentFormatVersion}. Upgrade the agent to read it.";

    private static int? ReadFormatVersion(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isVersion = reader.ValueTextEquals("format_version"u8);
                reader.Read();
                if (isVersion)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version) ? version : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // The full deserialization reports the syntax error.
        }

        return null;
    }

    public static bool IsSha256Hex(string? text)
    {
        if (text is null || text.Length != 64)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}

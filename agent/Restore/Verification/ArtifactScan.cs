using VolumeAgent.Manifest;
using VolumeAgent.Pipeline.Tar;
using VolumeAgent.Storage;

namespace VolumeAgent.Restore.Verification;

/// <summary>What one read of a stored artifact found: its hash and sizes, its content's facts, and every problem.</summary>
internal sealed record ArtifactScan
{
    public required ManifestArtifact Artifact { get; init; }

    /// <summary>Each problem in words, naming the file; empty when the artifact is sound.</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    public string? Sha256 { get; init; }

    public long StoredBytes { get; init; }

    public long RawBytes { get; init; }

    /// <summary>Number of entries of an archive (tar artifacts only).</summary>
    public int? EntryCount { get; init; }

    /// <summary>An archive's entries in archive order (tar artifacts only, when asked for).</summary>
    public IReadOnlyList<TarEntryInfo>? Entries { get; init; }

    /// <summary>The archive's tree digest as recomputed, prefixed "sha256:" (tar artifacts only).</summary>
    public string? TreeDigest { get; init; }

    public string File => Artifact.File ?? Artifact.SourceName;

    public bool Sound => Problems.Count == 0;

    /// <summary>Set when the content was not read (an encrypted artifact and no key): what was checked and what it needs.</summary>
    public string? ContentNotChecked { get; init; }
}

using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Restore.Verification;

/// <summary>What a content check learnt of an artifact: an archive's entries and tree digest; nothing for a dump.</summary>
internal sealed record ArtifactContentFacts(IReadOnlyList<TarEntryInfo>? Entries, string? TreeDigest)
{
    public static readonly ArtifactContentFacts None = new(null, null);
}

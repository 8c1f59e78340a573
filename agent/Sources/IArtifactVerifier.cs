using Serilog;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources;

/// <summary>A kind's content check of its stored artifacts, fed the uncompressed content once, start to end.</summary>
internal interface IArtifactVerifier
{
    /// <summary>
    /// Reads <paramref name="content"/> to its end and adds each problem found (without the file name, e.g. "it does
    /// not start with PGDMP, ...") to <paramref name="problems"/>. Throws <see cref="InvalidDataException"/> or
    /// <see cref="ArtifactFailedException"/> when the content cannot be read on. Returns what it learnt.
    /// </summary>
    Task<ArtifactContentFacts> ReadContentAsync(ManifestArtifact artifact, Stream content, List<string> problems, CancellationToken cancellationToken);

    /// <summary>The verify's line for a sound artifact, e.g. "SHA-256 matches; custom-format archive".</summary>
    string Describe(ArtifactScan scan);

    /// <summary>
    /// Checks that need the engine beside the content read (pg_restore --list in a throwaway container), for one
    /// verification; <paramref name="context"/> is null without an engine. Null when the kind has none.
    /// </summary>
    IArtifactCheckSession? StartChecks(SourceContext? context, ILogger log) => null;
}

/// <summary>Engine-side checks for one verification; disposing removes whatever they started.</summary>
internal interface IArtifactCheckSession : IAsyncDisposable
{
    /// <summary>The check to feed the artifact's content through (null for none) and a note for the report ("; pg_restore --list reads it").</summary>
    Task<(IDumpCheck? Check, string Note)> CheckForAsync(ManifestArtifact artifact, CancellationToken cancellationToken);
}

using VolumeAgent.Policy;
using VolumeAgent.Restore;
using VolumeAgent.Storage;

namespace VolumeAgent.Sources;

/// <summary>
/// One kind of source (volume, path, postgres, ...): everything the agent knows about it, in the kind's own folder
/// under <c>Sources/</c>. backup.yml reading, the run, verify, restore and drill reach a kind only through this
/// interface, found in <see cref="SourceKinds"/> by its backup.yml key or by an artifact's manifest source kind.
/// </summary>
internal interface ISourceKind
{
    /// <summary>The key that names the kind in a backup.yml source (<c>volume</c>); the source's value is its target.</summary>
    string Key { get; }

    /// <summary>The keys only this kind's sources may have, besides <see cref="Key"/> and the common ones (name, timeouts).</summary>
    IReadOnlyList<string> OptionKeys { get; }

    /// <summary>When its artifacts are made: with the files while stop_containers are down, or the databases after.</summary>
    SourcePhase Phase { get; }

    /// <summary>The manifest source kinds its artifacts carry (postgres writes <c>postgres</c> and <c>globals</c>).</summary>
    IReadOnlyList<ManifestSourceKind> ManifestKinds { get; }

    /// <summary>The manifest formats its artifacts have, for the documented vocabulary.</summary>
    IReadOnlyList<ManifestArtifactFormat> Formats { get; }

    /// <summary>
    /// Reads the kind's own keys of one source map (the common keys are read already) and reports each problem
    /// through <paramref name="reader"/>; returns null when the source is unusable.
    /// </summary>
    SourceOptions? Read(NodeReader reader, MapNode map);

    /// <summary>The source that plans and produces this kind's artifacts for one run; <paramref name="options"/> is one this kind read.</summary>
    IBackupSource CreateSource(SourceContext context, SourceOptions options);

    /// <summary>Checks the content of this kind's artifacts in a verify (and before a restore).</summary>
    IArtifactVerifier Verifier { get; }

    /// <summary>Plans restores of this kind's artifacts; null when they are restored only by hand (see docs/restore.md).</summary>
    IRestorePlanner? StartRestore(RestorePlanning planning) => null;

    /// <summary>What <c>restore</c>'s options mean for this artifact (--to-volume, --database, --to-container).</summary>
    RestoreTraits TraitsOf(ManifestArtifact artifact) => RestoreTraits.None;

    /// <summary>Restores this kind's artifacts into throwaway targets and compares; null when verify alone checks them.</summary>
    ISourceDrill? Drill => null;
}

/// <summary>The phase of a run in which a kind's artifacts are made.</summary>
internal enum SourcePhase
{
    /// <summary>Read while the job's stop_containers are stopped (volumes, host paths, database files).</summary>
    Files,

    /// <summary>Dumped live from a running server, after the stopped containers are started again.</summary>
    Databases,
}

using VolumeAgent.Storage;

namespace VolumeAgent.Sources;

/// <summary>
/// A source that is a file tree (a volume, a host path): besides its tar artifact, a storage that stores trees itself
/// (<see cref="IFileTreeStore"/>) can be handed the tree to back up in its own helper.
/// </summary>
internal interface IFileTreeSource
{
    /// <summary>The volume's name or the host path: the artifact's <c>source_name</c>.</summary>
    string Target { get; }

    /// <summary>The artifact's base name (<c>volume-NAME</c>), the same as the tar's without its suffix.</summary>
    string ArtifactName { get; }

    /// <summary>Checks the tree is there (a missing volume fails here, naming it) and says how to mount it.</summary>
    /// <exception cref="ArtifactFailedException">The volume does not exist.</exception>
    Task<FileTreeSource> PlanTreeAsync(CancellationToken cancellationToken);
}

namespace VolumeAgent.Storage;

/// <summary>
/// An object store with a consistency check of its own beyond a set's checksums (a restic repository's
/// <c>restic check</c>). <c>verify</c> runs it once per set it checks, beside reading every artifact.
/// </summary>
internal interface IRepositoryCheck
{
    /// <summary>Checks the repository; null when it is sound, else what is wrong with it, naming the storage and the fix.</summary>
    Task<string?> CheckRepositoryAsync(CancellationToken cancellationToken);
}

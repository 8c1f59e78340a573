using VolumeAgent.Policy;

namespace VolumeAgent.Storage.Restic;

/// <summary>
/// A restic repository: the sets' artifacts, SHA256SUMS and manifest.json are snapshots made by <c>restic backup</c>
/// in throwaway helper containers from <see cref="Image"/> (<see cref="ResticObjectStore"/>).
/// </summary>
internal sealed record ResticStorageOptions : StorageOptions
{
    public const string TypeName = "restic";

    /// <summary>Where the helper's repository is mounted when <see cref="Repository"/> is a local path.</summary>
    public const string LocalMountPoint = "/repository";

    /// <summary>Any restic repository string: an absolute path on the engine's host, <c>sftp:</c>, <c>s3:</c>, <c>rest:</c>, <c>b2:</c> …</summary>
    public required string Repository { get; init; }

    /// <summary>The repository's password, read from <c>password_file</c>; reaches the helper through its environment only.</summary>
    public required Secret Password { get; init; }

    /// <summary><c>init: true</c>: a missing repository is created (<c>restic init</c>); otherwise a missing one is an error.</summary>
    public bool Init { get; init; }

    /// <summary>
    /// The helper image with restic (0.14 or newer) on its PATH; null: the agent's own image, when the agent runs in a
    /// container (<see cref="ResticImage"/>).
    /// </summary>
    public string? Image { get; init; }

    /// <summary>Backend credentials for the helper's environment (e.g. AWS_SECRET_ACCESS_KEY), each read from a file or the agent's environment.</summary>
    public IReadOnlyDictionary<string, Secret> Environment { get; init; } = new Dictionary<string, Secret>(StringComparer.Ordinal);

    /// <summary><c>check_read_data_subset</c>: what <c>verify</c>'s <c>restic check</c> also reads of the pack data (<c>5%</c>, <c>1/10</c>, <c>500M</c>); null reads none.</summary>
    public string? CheckReadDataSubset { get; init; }

    /// <summary>
    /// <c>prune_schedule</c>: retention then only forgets, and the daemon runs <c>restic prune</c> on this schedule while
    /// no job writing to the storage runs; null prunes right after each retention's forget.
    /// </summary>
    public Scheduling.CronExpression? PruneSchedule { get; init; }

    /// <summary>
    /// For an <c>sftp:</c> repository: the private key restic's <c>ssh</c> logs in with and the known_hosts file it checks
    /// the server against, paths on the Docker host bind-mounted read-only into each helper at <c>/root/.ssh/</c>
    /// (never their content on a command line).
    /// </summary>
    public string? PrivateKeyFile { get; init; }

    /// <inheritdoc cref="PrivateKeyFile"/>
    public string? KnownHostsFile { get; init; }

    /// <summary>An <c>sftp:</c> repository, reached by restic through <c>ssh</c> in the helper.</summary>
    public bool IsSftp => Repository.StartsWith("sftp:", StringComparison.Ordinal);

    public override string Type => TypeName;

    /// <summary>A repository that is a directory the helper gets bind-mounted, rather than a backend it reaches over the network.</summary>
    public bool IsLocal => Repository.StartsWith('/');

    /// <summary>The repository string as restic inside the helper sees it.</summary>
    public string HelperRepository => IsLocal ? LocalMountPoint : Repository;

    /// <summary>
    /// A local repository's directory: refused when it lacks a repository and <c>init</c> is not set, created (in a
    /// parent that exists) when it is.
    /// </summary>
    public void PrepareLocalDirectory()
    {
        if (File.Exists(Path.Combine(Repository, "config")))
        {
            return;
        }

        if (!Init)
        {
            throw new StorageMissingException(ResticErrors.MissingMessage(this)) { Path = Repository };
        }

        if (Directory.Exists(Repository))
        {
            return;
        }

        var parent = Path.GetDirectoryName(Repository);
        if (parent is not null && !Directory.Exists(parent))
        {
            throw new StorageMissingException(
                $"restic storage '{Name}': the repository {Repository} is missing and so is its parent {parent}; `init: true` creates only the repository itself. Is the backup disk mounted?")
            {
                Path = Repository,
            };
        }

        Directory.CreateDirectory(Repository);
    }
}

namespace VolumeAgent.Storage.Restic;

/// <summary>restic's failures as storage exceptions that name the storage, the repository, the cause and the fix.</summary>
internal static class ResticErrors
{
    /// <summary>The oldest restic the agent uses: repository v2 with compression, and <c>backup --stdin</c> with <c>--json</c>.</summary>
    public static readonly Version MinimumVersion = new(0, 14, 0);

    public static string MissingMessage(ResticStorageOptions options) =>
        $"restic storage '{options.Name}': there is no restic repository at {options.Repository}. "
        + "Set `init: true` on the storage to let the agent create it, or correct 'repository' (is the backup disk mounted?).";

    /// <summary>Why the helper image's restic cannot be used, or null when it is new enough.</summary>
    public static string? TooOld(ResticStorageOptions options, string image, Version version) => version < MinimumVersion
        ? $"restic storage '{options.Name}': the helper image {image} has restic {version}, older than {MinimumVersion.ToString(3)}, the first with compression and the `backup --stdin` the agent uses. Name an image with restic {MinimumVersion.ToString(3)} or newer in 'image'."
        : null;

    /// <summary>A restic command that ended with an error, classified by what restic printed on stderr.</summary>
    public static StorageException Failed(ResticStorageOptions options, string command, long exit, string stderr)
    {
        var text = stderr.Trim();
        if (IsMissing(text))
        {
            return new StorageMissingException(MissingMessage(options)) { Path = options.Repository };
        }

        if (text.Contains("wrong password", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageException(
                $"restic storage '{options.Name}': the repository {options.Repository} does not open with the password in 'password_file' (restic: wrong password or no key found). "
                + "Put the repository's password in that file.");
        }

        if (text.Contains("repository is already locked", StringComparison.OrdinalIgnoreCase) || text.Contains("unable to create lock", StringComparison.OrdinalIgnoreCase))
        {
            return new StorageException(
                $"restic storage '{options.Name}': the repository {options.Repository} is locked by another restic process ({Last(text)}). "
                + "Wait for it to end; if that process is gone, check and remove the stale lock yourself with `restic unlock` (the agent never removes a lock).");
        }

        return new StorageException($"restic storage '{options.Name}': `restic {command}` on {options.Repository} failed (exit {exit}): {Last(text)}");
    }

    /// <summary>Whether restic's message is one <see cref="Failed"/> explains: no repository, a wrong password, a lock.</summary>
    public static bool IsExplained(string stderr) =>
        IsMissing(stderr)
        || stderr.Contains("wrong password", StringComparison.OrdinalIgnoreCase)
        || stderr.Contains("repository is already locked", StringComparison.OrdinalIgnoreCase)
        || stderr.Contains("unable to create lock", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether restic's message says there is no repository at the location.</summary>
    public static bool IsMissing(string stderr) =>
        stderr.Contains("Is there a repository at the following location?", StringComparison.Ordinal)
        || stderr.Contains("repository does not exist", StringComparison.OrdinalIgnoreCase);

    private static string Last(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tail = string.Join(" ", lines.TakeLast(3));
        return tail.Length == 0 ? "no message" : tail.Length > 600 ? tail[^600..] : tail;
    }
}

using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage.Restic;

/// <summary><c>type: restic</c>: a restic repository written through a helper container that has restic.</summary>
internal sealed class ResticStorageProvider : IStorageProvider, IStorageToolCheck
{
    /// <summary>Environment variables of the helper that come from the agent's side: restic's backends read them.</summary>
    private const string EnvironmentFilesKey = "environment_files";

    public string TypeName => ResticStorageOptions.TypeName;

    private const string ReadDataSubsetKey = "check_read_data_subset";
    private const string PruneScheduleKey = "prune_schedule";
    private const string PrivateKeyKey = "private_key_file";
    private const string KnownHostsKey = "known_hosts_file";

    public IReadOnlyList<string> Keys { get; } = ["type", "repository", "password_file", "init", "image", EnvironmentFilesKey, "environment", ReadDataSubsetKey, PruneScheduleKey, PrivateKeyKey, KnownHostsKey];

    public bool IsAvailable => true;

    public StorageOptions? Read(NodeReader reader, string name, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(map);
        reader.RejectUnknownKeys(map, Keys, key => key == "password"
            ? "a repository password is not written in backup.yml: put it in a file readable only by the agent and name that file in 'password_file'"
            : StorageRegistry.ExplainOtherTypesKey(key, TypeName));
        var problemsBefore = reader.Problems.Count;
        var repository = reader.Text(map, "repository", required: true, missingHint: "; a restic repository: an absolute path on the Docker host, or sftp:…, s3:…, rest:…, b2:…");
        if (repository is not null && (repository.Length == 0 || (!repository.StartsWith('/') && !repository.Contains(':', StringComparison.Ordinal))))
        {
            reader.Report(NodeReader.ValueMark(map, "repository"), map.PathOf("repository"), $"'{repository}' is neither an absolute path nor a restic backend (sftp:…, s3:…, rest:…, b2:…)");
        }

        Secret? password = null;
        if (map.Has("password_file"))
        {
            password = reader.Secret(map, "password");
        }
        else
        {
            reader.ReportMissing(map, "password_file", "; a file holding the repository's password");
        }

        var init = reader.Boolean(map, "init") ?? false;
        // Without it, the agent's own image when the agent runs in a container; on the host, the run and validate say to set it.
        var image = reader.Text(map, "image", required: false);
        var environment = ReadEnvironment(reader, map);
        var subset = reader.Text(map, ReadDataSubsetKey, required: false);
        if (subset is not null && !IsDataSubset(subset))
        {
            reader.Report(NodeReader.ValueMark(map, ReadDataSubsetKey), map.PathOf(ReadDataSubsetKey), $"'{subset}' is not a part of the data restic check can read: a percentage (5%), a share n/t (1/10) or a size (500M)");
        }

        var pruneSchedule = reader.Cron(map, PruneScheduleKey);
        var (privateKey, knownHosts) = ReadSsh(reader, map, repository);
        if (reader.Problems.Count > problemsBefore || repository is null || password is null || environment is null)
        {
            return null;
        }

        return new ResticStorageOptions
        {
            Name = name,
            Repository = repository,
            Password = password,
            Init = init,
            Image = image,
            Environment = environment,
            CheckReadDataSubset = subset,
            PruneSchedule = pruneSchedule,
            PrivateKeyFile = privateKey,
            KnownHostsFile = knownHosts,
        };
    }

    public string Describe(StorageOptions options)
    {
        var restic = (ResticStorageOptions)options;
        var credentials = restic.Environment.Count == 0 ? string.Empty : ", credentials " + string.Join(", ", restic.Environment.Keys.Order(StringComparer.Ordinal));
        var prune = restic.PruneSchedule is { } schedule ? $", pruned on '{schedule.Expression}'" : string.Empty;
        return $"restic repository {restic.Repository} (helper image {restic.Image ?? "the agent's own"}{(restic.Init ? ", created when missing" : string.Empty)}{prune}{credentials})";
    }

    /// <summary>What can be checked without the engine: a local repository (or, with <c>init: true</c>, its parent) exists.</summary>
    public string? FindProblem(StorageOptions options)
    {
        var restic = (ResticStorageOptions)options;
        if (new[] { restic.PrivateKeyFile, restic.KnownHostsFile }.FirstOrDefault(f => f is not null && !File.Exists(f)) is { } missingFile)
        {
            return $"restic storage '{restic.Name}': {missingFile} does not exist; the helpers mount it from the Docker host at that path (run the agent on the host, or mount it at the same path).";
        }

        if (!restic.IsLocal)
        {
            return null;
        }

        if (File.Exists(Path.Combine(restic.Repository, "config")))
        {
            return null;
        }

        if (!restic.Init)
        {
            return ResticErrors.MissingMessage(restic);
        }

        var parent = Path.GetDirectoryName(restic.Repository);
        return parent is null || Directory.Exists(parent)
            ? null
            : $"restic storage '{restic.Name}': the repository {restic.Repository} is missing and so is its parent {parent}; `init: true` creates only the repository itself. Is the backup disk mounted?";
    }

    public IObjectStore Open(StorageOptions options) => new ResticObjectStore((ResticStorageOptions)options);

    /// <summary>The helper image's restic version (<c>restic version</c> in a helper), refused when older than 0.14.</summary>
    public async Task<string> CheckToolAsync(StorageOptions options, CancellationToken cancellationToken)
    {
        var restic = (ResticStorageOptions)options;
        var store = (ResticObjectStore)Open(restic);
        var version = await store.CheckVersionAsync(cancellationToken);
        return $"restic {version.ToString(3)} in image {store.ImageShown}";
    }

    /// <summary>
    /// <c>environment_files</c> (NAME: /file) and <c>environment</c> (names taken from the agent's own environment): the
    /// backend's credentials, e.g. AWS_ACCESS_KEY_ID, B2_ACCOUNT_KEY, RESTIC_REST_PASSWORD.
    /// </summary>
    private static Dictionary<string, Secret>? ReadEnvironment(NodeReader reader, MapNode map)
    {
        var result = new Dictionary<string, Secret>(StringComparer.Ordinal);
        var failed = false;
        if (reader.Map(map, EnvironmentFilesKey) is { } files)
        {
            foreach (var entry in files.Entries)
            {
                if (!IsVariableName(entry.Key) || entry.Key.StartsWith("RESTIC_PASSWORD", StringComparison.Ordinal))
                {
                    reader.Report(entry.KeyNode.Start, files.PathOf(entry.Key), $"'{entry.Key}' is not an environment variable name the helper may get (the password comes from 'password_file')");
                    failed = true;
                    continue;
                }

                var path = reader.Text(entry.Value, files.PathOf(entry.Key), required: true);
                if (path is null || !path.StartsWith('/'))
                {
                    reader.Report(entry.Value.Start, files.PathOf(entry.Key), "must be the absolute path of a file holding the value");
                    failed = true;
                    continue;
                }

                try
                {
                    result[entry.Key] = new Secret(reader.Environment.ReadFile(path).TrimEnd('\r', '\n'));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException or ArgumentException)
                {
                    reader.Report(entry.Value.Start, files.PathOf(entry.Key), $"cannot read {entry.Key} from '{path}': {ex.Message}");
                    failed = true;
                }
            }
        }

        var names = reader.TextList(map, "environment", "[AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]", name => IsVariableName(name) ? null : $"'{name}' is not an environment variable name");
        foreach (var name in names ?? [])
        {
            if (reader.Environment.GetVariable(name) is { Length: > 0 } value)
            {
                result[name] = new Secret(value);
            }
            else
            {
                reader.Report(NodeReader.ValueMark(map, "environment"), map.PathOf("environment"), $"{name} is not set in the agent's environment");
                failed = true;
            }
        }

        return failed ? null : result;
    }

    /// <summary>
    /// <c>private_key_file</c> and <c>known_hosts_file</c>: required for an <c>sftp:</c> repository (restic's ssh logs in
    /// with the key only, and checks the server's host key strictly), refused for any other.
    /// </summary>
    private static (string? PrivateKey, string? KnownHosts) ReadSsh(NodeReader reader, MapNode map, string? repository)
    {
        var privateKey = reader.AbsolutePath(map, PrivateKeyKey);
        var knownHosts = reader.AbsolutePath(map, KnownHostsKey);
        if (repository is null)
        {
            return (privateKey, knownHosts);
        }

        var sftp = repository.StartsWith("sftp:", StringComparison.Ordinal);
        foreach (var (key, value, what) in new[] { (PrivateKeyKey, privateKey, "the private key restic's ssh logs in with"), (KnownHostsKey, knownHosts, "the known_hosts file with the server's host key") })
        {
            if (sftp && value is null && !map.Has(key))
            {
                reader.ReportMissing(map, key, $"; an sftp: repository needs {what} (a path on the Docker host, mounted read-only into the helpers)");
            }
            else if (!sftp && map.Has(key))
            {
                reader.Report(NodeReader.ValueMark(map, key), map.PathOf(key), $"applies to an sftp: repository only, and this one is {repository}");
            }
        }

        return (privateKey, knownHosts);
    }

    /// <summary>What <c>restic check --read-data-subset</c> takes: <c>5%</c> or <c>2.5%</c>, <c>n/t</c> with 1 ≤ n ≤ t, or a size like <c>500M</c>.</summary>
    internal static bool IsDataSubset(string value)
    {
        static bool Digits(string s) => s.Length is > 0 and <= 12 && s.All(char.IsAsciiDigit);
        if (value.EndsWith('%'))
        {
            var number = value[..^1].Split('.');
            return number.Length <= 2 && number.All(Digits);
        }

        if (value.Split('/') is [var n, var t])
        {
            return Digits(n) && Digits(t) && long.Parse(n, System.Globalization.CultureInfo.InvariantCulture) is var part and > 0
                && part <= long.Parse(t, System.Globalization.CultureInfo.InvariantCulture);
        }

        var size = value.Length > 1 && "KMGT".Contains(value[^1], StringComparison.Ordinal) ? value[..^1] : value;
        return Digits(size) && size[0] != '0';
    }

    internal static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 128 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage.Restic;

/// <summary><c>type: restic</c>: a restic repository written through a helper container that has restic.</summary>
internal sealed class ResticStorageProvider : IStorageProvider, IStorageToolCheck
{
    /// <summary>Environment variables of the helper that come from the agent's side: restic's backends read them.</summary>
    private const string EnvironmentFilesKey = "environment_files";

    public string TypeName => ResticStorageOptions.TypeName;

    public IReadOnlyList<string> Keys { get; } = ["type", "repository", "password_file", "init", "image", EnvironmentFilesKey, "environment"];

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
        var image = reader.Text(map, "image", required: true, missingHint: "; an image with restic 0.14 or newer for the helper containers that run restic (the agent's own image has it)");
        var environment = ReadEnvironment(reader, map);
        if (reader.Problems.Count > problemsBefore || repository is null || password is null || image is null || environment is null)
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
        };
    }

    public string Describe(StorageOptions options)
    {
        var restic = (ResticStorageOptions)options;
        var credentials = restic.Environment.Count == 0 ? string.Empty : ", credentials " + string.Join(", ", restic.Environment.Keys.Order(StringComparer.Ordinal));
        return $"restic repository {restic.Repository} (helper image {restic.Image}{(restic.Init ? ", created when missing" : string.Empty)}{credentials})";
    }

    /// <summary>What can be checked without the engine: a local repository (or, with <c>init: true</c>, its parent) exists.</summary>
    public string? FindProblem(StorageOptions options)
    {
        var restic = (ResticStorageOptions)options;
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
        var version = await ((ResticObjectStore)Open(restic)).CheckVersionAsync(cancellationToken);
        return $"restic {version.ToString(3)} in image {restic.Image}";
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

    internal static bool IsVariableName(string name) =>
        name.Length is > 0 and <= 128 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}

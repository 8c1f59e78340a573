using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Storage.Sftp;

/// <summary><c>type: sftp</c>: a directory on an SSH server, its host key pinned by a known_hosts file.</summary>
internal sealed class SftpStorageProvider : IStorageProvider
{
    private readonly TimeProvider _time;

    public SftpStorageProvider(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    public string TypeName => SftpStorageOptions.TypeName;

    public IReadOnlyList<string> Keys { get; } = ["type", "host", "port", "user", "path", "private_key_file", "password_file", "known_hosts_file"];

    public bool IsAvailable => true;

    public StorageOptions? Read(NodeReader reader, string name, MapNode map)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(map);
        reader.RejectUnknownKeys(map, Keys, key => key == "password"
            ? "a password is not written in backup.yml: put it in a file readable only by the agent and name that file in 'password_file'"
            : StorageRegistry.ExplainOtherTypesKey(key, TypeName));
        var problemsBefore = reader.Problems.Count;
        var host = reader.Text(map, "host", required: true, missingHint: "; the SSH server's name or address");
        if (host is not null && (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '[' or ']')))
        {
            reader.Report(NodeReader.ValueMark(map, "host"), map.PathOf("host"), $"'{host}' is not a host name or address; put the user in 'user' and the port in 'port'");
        }

        var port = reader.Integer(map, "port", 1, 65535) ?? SftpStorageOptions.DefaultPort;
        var user = reader.Text(map, "user", required: true, missingHint: "; the SSH login name");
        var path = reader.Text(map, "path", required: true, missingHint: "; the directory on the server backup sets are written to, e.g. /backups");
        var knownHosts = reader.AbsolutePath(
            map, "known_hosts_file", required: true,
            missingHint: $"; an OpenSSH known_hosts file with the server's host key (e.g. made by `{KnownHosts.KeyscanCommand(host ?? "HOST", port, "/etc/volume-agent/known_hosts")}`)");
        string? privateKey = null;
        Secret? password = null;
        if (map.Has("private_key_file") && map.Has("password_file"))
        {
            reader.Report(map.Mark, map.PathOf("password_file"), "set either 'private_key_file' or 'password_file', not both");
        }
        else if (map.Has("private_key_file"))
        {
            privateKey = reader.AbsolutePath(map, "private_key_file");
        }
        else if (map.Has("password_file"))
        {
            password = reader.Secret(map, "password");
        }
        else
        {
            reader.ReportMissing(map, "private_key_file", "; set 'private_key_file' (an OpenSSH private key) or 'password_file'");
        }

        if (reader.Problems.Count > problemsBefore || host is null || user is null || path is null || knownHosts is null || (privateKey is null && password is null))
        {
            return null;
        }

        return new SftpStorageOptions
        {
            Name = name,
            Host = host,
            Port = port,
            User = user,
            Path = path,
            PrivateKeyFile = privateKey,
            Password = password,
            KnownHostsFile = knownHosts,
        };
    }

    public string Describe(StorageOptions options)
    {
        var sftp = (SftpStorageOptions)options;
        return $"sftp {sftp.Url} ({(sftp.PrivateKeyFile is { } key ? "key " + key : "password_file")}, host key pinned in {sftp.KnownHostsFile})";
    }

    /// <summary>What can be checked without connecting: the known_hosts file names the server, the key file is there.</summary>
    public string? FindProblem(StorageOptions options)
    {
        var sftp = (SftpStorageOptions)options;
        KnownHosts knownHosts;
        try
        {
            knownHosts = KnownHosts.Parse(File.ReadAllText(sftp.KnownHostsFile), sftp.Host, sftp.Port);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"SFTP storage '{sftp.Name}': cannot read known_hosts_file '{sftp.KnownHostsFile}': {ex.Message.TrimEnd('.')}. "
                + $"Add the server's host key: {KnownHosts.KeyscanCommand(sftp.Host, sftp.Port, sftp.KnownHostsFile)} (then check its fingerprint).";
        }

        if (knownHosts.Keys.Count == 0)
        {
            return $"SFTP storage '{sftp.Name}': known_hosts_file '{sftp.KnownHostsFile}' has no host key for {KnownHosts.HostPattern(sftp.Host, sftp.Port)}, so the agent will refuse the server. "
                + $"Add it: {KnownHosts.KeyscanCommand(sftp.Host, sftp.Port, sftp.KnownHostsFile)} (then check its fingerprint).";
        }

        if (sftp.PrivateKeyFile is { } key && !File.Exists(key))
        {
            return $"SFTP storage '{sftp.Name}': private_key_file '{key}' does not exist (or the agent may not read it).";
        }

        return null;
    }

    public IObjectStore Open(StorageOptions options) => new SftpObjectStore((SftpStorageOptions)options, _time);
}

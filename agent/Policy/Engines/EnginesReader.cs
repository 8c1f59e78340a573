using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine.Remote;
using VolumeAgent.Docker.Engines;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy.Engines;

/// <summary>
/// Reads the root <c>engines:</c> map: one engine per name, its <c>host</c> in the forms DOCKER_HOST takes and the TLS
/// or ssh settings the environment would give it (a certificate folder or the three files, <c>tls_verify</c>, an ssh
/// config file). The default engine (the environment's) is not listed here: its name, <c>default</c>, is reserved.
/// Only paths and forms are checked; the engine is reached when a command needs it.
/// </summary>
internal static class EnginesReader
{
    public const string Key = "engines";

    public static readonly IReadOnlyList<string> Keys = ["host", "tls_verify", "tls", "cert_path", "tls_ca_file", "tls_cert_file", "tls_key_file", "ssh_config"];

    private static readonly string[] TlsKeys = ["tls_verify", "tls", "cert_path", "tls_ca_file", "tls_cert_file", "tls_key_file"];

    private const string Example = "{ host: tcp://db-host:2376, tls_verify: true, cert_path: /certs/db-host }";

    /// <summary>The engines backup.yml defines, in file order (the default engine not among them).</summary>
    public static IReadOnlyList<EngineDefinition> Read(NodeReader reader, MapNode root)
    {
        var engines = new List<EngineDefinition>();
        var map = reader.Map(root, Key);
        if (map is null)
        {
            return engines;
        }

        foreach (var entry in map.Entries)
        {
            var path = map.PathOf(entry.Key);
            var name = reader.CheckName(entry.Key, entry.KeyNode.Start, path, "engine");
            if (name == EngineRegistry.DefaultName)
            {
                reader.Report(entry.KeyNode.Start, path, $"'{EngineRegistry.DefaultName}' is the engine of DOCKER_HOST (or /var/run/docker.sock); give this engine another name");
                continue;
            }

            if (NodeReader.IsNull(entry.Value))
            {
                reader.Report(entry.KeyNode.Start, path, $"is empty; an engine needs at least 'host', e.g. {Example}");
                continue;
            }

            if (reader.AsMap(entry.Value, path, entry.KeyNode.Start, $"a map such as {Example}") is { } engineMap
                && ReadOne(reader, entry.Key, engineMap) is { } engine && name is not null)
            {
                engines.Add(engine);
            }
        }

        return engines;
    }

    /// <summary>An <c>engine:</c> value (of a source or a stop_containers entry): the default, or a name under <c>engines</c>.</summary>
    public static string? CheckReference(string name, IReadOnlyList<string> defined) =>
        name == EngineRegistry.DefaultName || defined.Contains(name, StringComparer.Ordinal)
            ? null
            : defined.Count == 0
                ? $"engine '{name}' is not defined; define it under the root 'engines' map, e.g. engines: {{ {name}: {Example} }}, or leave 'engine' out for the engine of DOCKER_HOST"
                : $"engine '{name}' is not defined under the root 'engines' (defined: {EngineRegistry.DefaultName}, {string.Join(", ", defined)}){KeySuggestion.DidYouMean(name, [EngineRegistry.DefaultName, .. defined])}";

    private static EngineDefinition? ReadOne(NodeReader reader, string name, MapNode map)
    {
        reader.RejectUnknownKeys(map, Keys);
        var problemsBefore = reader.Problems.Count;
        var host = reader.Text(map, "host", required: true, missingHint: $", e.g. {Example}");
        var verify = reader.Boolean(map, "tls_verify") ?? false;
        var tls = reader.Boolean(map, "tls") ?? false;
        var certPath = reader.AbsolutePath(map, "cert_path");
        var ca = reader.AbsolutePath(map, "tls_ca_file");
        var cert = reader.AbsolutePath(map, "tls_cert_file");
        var key = reader.AbsolutePath(map, "tls_key_file");
        var sshConfig = reader.AbsolutePath(map, "ssh_config");
        if (host is null || reader.Problems.Count > problemsBefore)
        {
            return null;
        }

        var isTcp = host.StartsWith("tcp://", StringComparison.Ordinal);
        var tlsGiven = TlsKeys.Where(map.Has).ToList();
        if (!isTcp && tlsGiven.Count > 0)
        {
            reader.Report(NodeReader.ValueMark(map, tlsGiven[0]), map.PathOf(tlsGiven[0]), $"applies to a tcp:// host only, and '{host}' is not one; remove it, or use host: tcp://HOST:2376 for TLS");
        }

        if (sshConfig is not null && !host.StartsWith("ssh://", StringComparison.Ordinal))
        {
            reader.Report(NodeReader.ValueMark(map, "ssh_config"), map.PathOf("ssh_config"), $"applies to an ssh:// host only, and '{host}' is not one; remove it, or use host: ssh://USER@HOST");
        }

        var useTls = verify || tls;
        if (isTcp && !useTls && tlsGiven.Count > 0)
        {
            reader.Report(NodeReader.ValueMark(map, tlsGiven[0]), map.PathOf(tlsGiven[0]), "names certificates, but TLS is off; set tls_verify: true (or tls: true to skip checking the engine's certificate)");
        }

        if (isTcp && verify && certPath is null && ca is null)
        {
            reader.Report(
                NodeReader.ValueMark(map, "tls_verify"),
                map.PathOf("tls_verify"),
                "needs the certificates: cert_path (a folder with ca.pem, cert.pem and key.pem, as DOCKER_CERT_PATH), or tls_ca_file, tls_cert_file and tls_key_file");
        }

        if ((cert is null) != (key is null) && certPath is null && useTls)
        {
            var given = cert is null ? "tls_key_file" : "tls_cert_file";
            reader.Report(NodeReader.ValueMark(map, given), map.PathOf(given), "tls_cert_file and tls_key_file go together: the client certificate and its private key");
        }

        DockerEndpoint? endpoint = null;
        try
        {
            var settings = isTcp && useTls ? Tls(verify, certPath, ca, cert, key) : null;
            endpoint = DockerEndpoint.Parse(host, settings);
        }
        catch (DockerHostException)
        {
            reader.Report(
                NodeReader.ValueMark(map, "host"),
                map.PathOf("host"),
                $"'{host}' is not an engine endpoint; use unix:///path/to/docker.sock, tcp://HOST:PORT (with tls_verify and its certificates for TLS) or ssh://USER@HOST[:PORT]");
        }

        return reader.Problems.Count > problemsBefore || endpoint is null ? null : new EngineDefinition(name, endpoint, sshConfig);
    }

    private static EngineTls Tls(bool verify, string? certPath, string? ca, string? cert, string? key)
    {
        var directory = certPath ?? Path.GetDirectoryName(cert ?? ca ?? key ?? "/") ?? "/";
        var settings = new EngineTls(verify, directory);
        return settings with
        {
            CaPath = ca ?? settings.CaPath,
            CertificatePath = cert ?? settings.CertificatePath,
            KeyPath = key ?? settings.KeyPath,
        };
    }
}

using System.Globalization;
using System.Net;
using VolumeAgent.Policy.Reading;

namespace VolumeAgent.Policy;

/// <summary>Reads the root <c>http:</c> map into <see cref="HttpOptions"/>; every problem names its key and the fix.</summary>
internal static class HttpReader
{
    /// <summary>The shortest token accepted: a guessable token is no protection.</summary>
    public const int MinimumTokenLength = 16;

    public static HttpOptions? Read(NodeReader reader, MapNode root)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(root);
        var map = reader.Map(root, "http");
        if (map is null)
        {
            return null;
        }

        reader.RejectUnknownKeys(map, PolicyKeys.Http);
        var problemsBefore = reader.Problems.Count;
        var listen = ReadListen(reader, map);
        var tokenFile = reader.AbsolutePath(map, "token_file", required: true, missingHint: "; write a long random token to a file (e.g. `openssl rand -hex 32 > /run/secrets/volume-agent-token`) and name it here");
        var token = tokenFile is null ? null : reader.Secret(map, "token");
        if (token is not null && token.Reveal().Trim().Length < MinimumTokenLength)
        {
            reader.Report(NodeReader.ValueMark(map, "token_file"), map.PathOf("token_file"), string.Create(CultureInfo.InvariantCulture, $"the token in '{tokenFile}' is shorter than {MinimumTokenLength} characters; write a long random one, e.g. `openssl rand -hex 32`"));
        }

        var metricsPublic = reader.Boolean(map, "metrics_public") ?? false;
        var certificate = reader.AbsolutePath(map, "tls_certificate_file");
        var key = reader.AbsolutePath(map, "tls_key_file");
        if (map.Has("tls_certificate_file") != map.Has("tls_key_file"))
        {
            var (given, missing) = map.Has("tls_certificate_file") ? ("tls_certificate_file", "tls_key_file") : ("tls_key_file", "tls_certificate_file");
            reader.Report(NodeReader.ValueMark(map, given), map.PathOf(missing), $"'{given}' needs '{missing}' too: HTTPS takes a PEM certificate and its PEM private key; set both, or neither for plain HTTP");
        }

        if (reader.Problems.Count > problemsBefore || listen is null || token is null || tokenFile is null)
        {
            return null;
        }

        return new HttpOptions
        {
            Listen = listen,
            Token = new Secret(token.Reveal().Trim()),
            TokenFile = tokenFile,
            MetricsPublic = metricsPublic,
            TlsCertificateFile = certificate,
            TlsKeyFile = key,
        };
    }

    private static IPEndPoint? ReadListen(NodeReader reader, MapNode map)
    {
        var text = reader.Text(map, "listen", required: true, missingHint: "; e.g. listen: \"127.0.0.1:8080\" (or \"0.0.0.0:8080\" inside a container)");
        if (text is null)
        {
            return null;
        }

        if (!IPEndPoint.TryParse(text, out var endpoint) || endpoint.Port == 0 || !text.Contains(':', StringComparison.Ordinal) || text.EndsWith(']'))
        {
            reader.Report(NodeReader.ValueMark(map, "listen"), map.PathOf("listen"), $"'{text}' is not an IP address and port; write e.g. \"127.0.0.1:8080\", \"0.0.0.0:8080\" or \"[::1]:8080\"");
            return null;
        }

        return endpoint;
    }
}

using System.Security.Cryptography;
using System.Text;

namespace VolumeAgent.Storage.Sftp;

/// <summary>
/// The host keys an OpenSSH known_hosts file pins for one server: plain and hashed (<c>|1|salt|hash</c>) host
/// patterns, <c>*</c>/<c>?</c> wildcards, <c>!</c> negations, <c>[host]:port</c> for ports other than 22, and
/// <c>@revoked</c> keys. <c>@cert-authority</c> lines are not used (the agent pins keys, not certificates).
/// </summary>
internal sealed class KnownHosts
{
    private KnownHosts(string host, int port, IReadOnlyList<byte[]> keys, IReadOnlyList<byte[]> revoked)
    {
        Host = host;
        Port = port;
        Keys = keys;
        Revoked = revoked;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The pinned public key blobs (the base64 field of a line, decoded), each starting with its key type.</summary>
    public IReadOnlyList<byte[]> Keys { get; }

    public IReadOnlyList<byte[]> Revoked { get; }

    /// <summary>The key types (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, …) of <see cref="Keys"/>.</summary>
    public IReadOnlyCollection<string> KeyTypes => [.. Keys.Select(KeyType).Distinct(StringComparer.Ordinal)];

    /// <summary>How known_hosts names a server: <c>host</c> on port 22, else <c>[host]:port</c>.</summary>
    public static string HostPattern(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

    /// <summary>The command that prints the line to add for a server (check its fingerprint before trusting it).</summary>
    public static string KeyscanCommand(string host, int port, string file) =>
        $"ssh-keyscan {(port == 22 ? string.Empty : $"-p {port} ")}{host} >> {file}";

    /// <summary>The lines of <paramref name="text"/> that name the server.</summary>
    public static KnownHosts Parse(string text, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = HostPattern(host, port);
        var keys = new List<byte[]>();
        var revoked = new List<byte[]>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var marker = fields[0].StartsWith('@') ? fields[0] : null;
            if (marker is not null)
            {
                fields = fields[1..];
            }

            if (fields.Length < 3 || marker is "@cert-authority" || !Matches(fields[0], name) || !TryDecode(fields[2], out var blob)
                || !string.Equals(KeyType(blob), fields[1], StringComparison.Ordinal))
            {
                continue;
            }

            (marker is "@revoked" ? revoked : keys).Add(blob);
        }

        return new KnownHosts(host, port, keys, revoked);
    }

    /// <summary>The key type a public key blob starts with (an SSH string: a 4-byte length, then the name).</summary>
    public static string KeyType(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.Length < 4)
        {
            return string.Empty;
        }

        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        return length > 0 && length <= blob.Length - 4 ? Encoding.ASCII.GetString(blob, 4, length) : string.Empty;
    }

    /// <summary>Whether a host key algorithm the server may offer (e.g. <c>rsa-sha2-512</c>) proves a key of <paramref name="keyType"/>.</summary>
    public static bool AlgorithmFits(string algorithm, string keyType) =>
        string.Equals(algorithm, keyType, StringComparison.Ordinal)
        || (keyType == "ssh-rsa" && algorithm is "rsa-sha2-512" or "rsa-sha2-256");

    /// <summary>The SHA-256 fingerprint as OpenSSH prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Fingerprint(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');

    public bool IsPinned(byte[] blob) => Keys.Any(k => k.AsSpan().SequenceEqual(blob));

    public bool IsRevoked(byte[] blob) => Revoked.Any(k => k.AsSpan().SequenceEqual(blob));

    private static bool TryDecode(string base64, out byte[] blob)
    {
        try
        {
            blob = Convert.FromBase64String(base64);
            return true;
        }
        catch (FormatException)
        {
            blob = [];
            return false;
        }
    }

    /// <summary>Whether the host field (hashed, or comma-separated patterns with optional negation) names the server.</summary>
    private static bool Matches(string hosts, string name)
    {
        if (hosts.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = hosts.Split('|');
            if (parts.Length != 4 || !TryDecode(parts[2], out var salt) || !TryDecode(parts[3], out var hash))
            {
                return false;
            }

            // OpenSSH hashes the name as it would write it: HMAC-SHA1 keyed with the salt. The format fixes the
            // algorithm; it only hides host names from a reader of the file and protects nothing here.
#pragma warning disable CA5350
            return HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes(name)).AsSpan().SequenceEqual(hash);
#pragma warning restore CA5350
        }

        var matched = false;
        foreach (var pattern in hosts.Split(','))
        {
            var negated = pattern.StartsWith('!');
            if (!Wildcard(negated ? pattern[1..] : pattern, name))
            {
                continue;
            }

            if (negated)
            {
                return false;
            }

            matched = true;
        }

        return matched;
    }

    private static bool Wildcard(string pattern, string text)
    {
        if (pattern.Length == 0)
        {
            return text.Length == 0;
        }

        return pattern[0] switch
        {
            '*' => Wildcard(pattern[1..], text) || (text.Length > 0 && Wildcard(pattern, text[1..])),
            '?' => text.Length > 0 && Wildcard(pattern[1..], text[1..]),
            _ => text.Length > 0 && char.ToLowerInvariant(pattern[0]) == char.ToLowerInvariant(text[0]) && Wildcard(pattern[1..], text[1..]),
        };
    }
}

using System.Security.Cryptography;
using System.Text;
using VolumeAgent.Storage.Sftp;

namespace VolumeAgent.Tests.Storage.Sftp;

public sealed class KnownHostsTests
{
    private static readonly byte[] Ed25519 = Blob("ssh-ed25519", 1);
    private static readonly byte[] Other = Blob("ssh-ed25519", 2);
    private static readonly byte[] Rsa = Blob("ssh-rsa", 3);

    [Theory]
    [InlineData("backup.example.com", 22, "backup.example.com")]
    [InlineData("backup.example.com", 22, "other.example.com,backup.example.com")]
    [InlineData("10.0.0.5", 2222, "[10.0.0.5]:2222")]
    [InlineData("nas.lan", 22, "*.lan")]
    [InlineData("nas.lan", 22, "n?s.LAN")]
    public void Parse_PlainPatterns_PinTheKey(string host, int port, string pattern)
    {
        var known = KnownHosts.Parse($"# comment\n\n{pattern} ssh-ed25519 {B64(Ed25519)}\n", host, port);

        known.IsPinned(Ed25519).Should().BeTrue();
        known.IsPinned(Other).Should().BeFalse();
    }

    [Theory]
    [InlineData("10.0.0.5", 2222, "10.0.0.5", "port 2222 is written [host]:port, so the bare name is port 22 only")]
    [InlineData("nas.lan", 22, "*.lan,!nas.lan", "a negated pattern wins")]
    [InlineData("nas.lan", 22, "nas.la", "a pattern matches the whole name")]
    public void Parse_PatternsForAnotherServer_PinNothing(string host, int port, string pattern, string because)
    {
        KnownHosts.Parse($"{pattern} ssh-ed25519 {B64(Ed25519)}\n", host, port).Keys.Should().BeEmpty(because);
    }

    [Fact]
    public void Parse_HashedEntry_MatchesOnlyItsHost()
    {
        var salt = RandomNumberGenerator.GetBytes(20);
#pragma warning disable CA5350 // the known_hosts format fixes HMAC-SHA1
        var hash = HMACSHA1.HashData(salt, Encoding.UTF8.GetBytes("[127.0.0.1]:2200"));
#pragma warning restore CA5350
        var text = $"|1|{B64(salt)}|{B64(hash)} ssh-ed25519 {B64(Ed25519)}\n";

        KnownHosts.Parse(text, "127.0.0.1", 2200).IsPinned(Ed25519).Should().BeTrue();
        KnownHosts.Parse(text, "127.0.0.1", 2201).Keys.Should().BeEmpty();
    }

    [Fact]
    public void Parse_MarkersAndBrokenLines()
    {
        var text = $"""
            @revoked host ssh-ed25519 {B64(Other)}
            @cert-authority host ssh-ed25519 {B64(Blob("ssh-ed25519", 9))}
            host ssh-rsa {B64(Ed25519)}
            host ssh-ed25519 not-base64!
            host ssh-rsa {B64(Rsa)} comment words
            """;

        var known = KnownHosts.Parse(text, "host", 22);

        known.IsRevoked(Other).Should().BeTrue();
        known.Keys.Should().ContainSingle("a CA line is not a pinned key, a type that disagrees with the blob or bad base64 is skipped")
            .Which.Should().Equal(Rsa);
        known.KeyTypes.Should().Equal("ssh-rsa");
    }

    [Theory]
    [InlineData("ssh-ed25519", "ssh-ed25519", true)]
    [InlineData("rsa-sha2-512", "ssh-rsa", true)]
    [InlineData("rsa-sha2-256", "ssh-rsa", true)]
    [InlineData("ssh-rsa", "ssh-rsa", true)]
    [InlineData("ecdsa-sha2-nistp256", "ssh-ed25519", false)]
    [InlineData("ssh-ed25519-cert-v01@openssh.com", "ssh-ed25519", false)]
    public void AlgorithmFits(string algorithm, string keyType, bool fits) => KnownHosts.AlgorithmFits(algorithm, keyType).Should().Be(fits);

    [Fact]
    public void Fingerprint_IsOpenSshs()
    {
        // ssh-keygen -lf prints SHA256: and the unpadded base64 of the blob's SHA-256.
        KnownHosts.Fingerprint(Ed25519).Should().Be("SHA256:" + Convert.ToBase64String(SHA256.HashData(Ed25519)).TrimEnd('='));
        KnownHosts.KeyscanCommand("h", 22, "/k").Should().Be("ssh-keyscan h >> /k");
        KnownHosts.KeyscanCommand("h", 2222, "/k").Should().Be("ssh-keyscan -p 2222 h >> /k");
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes);

    /// <summary>A public key blob: the SSH string of its type, then stand-in key bytes.</summary>
    private static byte[] Blob(string type, byte fill)
    {
        var name = Encoding.ASCII.GetBytes(type);
        return [0, 0, 0, (byte)name.Length, .. name, 0, 0, 0, 32, .. Enumerable.Repeat(fill, 32)];
    }
}

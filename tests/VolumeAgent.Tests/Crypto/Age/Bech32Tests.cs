using VolumeAgent.Crypto.Age;

namespace VolumeAgent.Tests.Crypto.Age;

public sealed class Bech32Tests
{
    // A pair age-keygen 1.1.1 wrote on this machine (a test key, protecting nothing).
    internal const string KeygenSecret = "AGE-SECRET-KEY-1A8DLWRTG66Z2MF6C8CCM4L6GA9MEY86FW9XFEM9507GE7AJFAPGQEUHYNW";
    internal const string KeygenPublic = "age19dvmfpcxwc8qhg3d2nnuvr73qvy525s84rhjcas3egt78r52x3gqysx7rw";

    [Fact]
    public void Keygen_secret_key_gives_its_public_key()
    {
        var identity = X25519Identity.Parse(KeygenSecret);

        identity.Recipient.Encoded.Should().Be(KeygenPublic);
        identity.Encode().Should().Be(KeygenSecret);
        X25519Recipient.Parse(KeygenPublic).Encoded.Should().Be(KeygenPublic);
    }

    [Theory]
    [InlineData("A12UEL5L", "a", "")]
    [InlineData("a12uel5l", "a", "")]
    [InlineData("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef", "00443214c74254b635cf84653a56d7c675be77df")]
    public void Bip173_vectors_decode(string text, string hrp, string hex)
    {
        var (decodedHrp, data) = Bech32.Decode(text);

        decodedHrp.Should().Be(hrp);
        Convert.ToHexStringLower(data).Should().Be(hex);
        Bech32.Encode(hrp, data).Should().Be(text.ToLowerInvariant());
    }

    [Theory]
    [InlineData("A12UEL5l", "mixed")]
    [InlineData("a12uel5m", "checksum")]
    [InlineData("pzry9x0s0muk", "separator")]
    [InlineData("abc1bbbbbbbbb", "alphabet")]
    public void Invalid_strings_are_refused(string text, string why)
    {
        var act = () => Bech32.Decode(text);

        act.Should().Throw<FormatException>().Which.Message.Should().Contain(why);
    }

    [Fact]
    public void A_mistyped_recipient_is_refused_without_echoing_it()
    {
        var typo = KeygenPublic[..^1] + (KeygenPublic[^1] == 'w' ? 'q' : 'w');

        var act = () => X25519Recipient.Parse(typo);

        act.Should().Throw<FormatException>().Which.Message.Should().NotContain(typo);
    }

    [Fact]
    public void A_secret_key_is_not_a_recipient()
    {
        var act = () => X25519Recipient.Parse(KeygenSecret);

        act.Should().Throw<FormatException>().Which.Message.Should().NotContain(KeygenSecret[16..]);
    }

    [Fact]
    public void Identity_files_skip_comments_and_name_the_bad_line()
    {
        var file = $"# created: 2026-12-06T14:14:19Z\n# public key: {KeygenPublic}\n{KeygenSecret}\n";
        AgeIdentityFile.Parse(file, "key.txt").Should().ContainSingle().Which.Recipient.Encoded.Should().Be(KeygenPublic);

        var bad = () => AgeIdentityFile.Parse("# comment\nssh-ed25519 AAAA\n", "key.txt");
        bad.Should().Throw<FormatException>().Which.Message.Should().Contain("key.txt, line 2");

        var empty = () => AgeIdentityFile.Parse("# nothing\n", "key.txt");
        empty.Should().Throw<FormatException>().Which.Message.Should().Contain("holds no age identity");
    }
}

using System.Text;
using VolumeAgent.Crypto.Age;

namespace VolumeAgent.Tests.Crypto.Age;

public sealed class AgeHeaderTests
{
    private static readonly byte[] FileKey = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(32)] // 43 characters: one short line
    [InlineData(48)] // exactly 64 characters: a full line, then an empty one
    [InlineData(100)] // two lines
    [InlineData(0)] // an empty body: one empty line
    public void Written_headers_parse_back_with_their_stanzas(int bodyLength)
    {
        var body = Enumerable.Range(0, bodyLength).Select(i => (byte)i).ToArray();
        var bytes = AgeHeader.Write([new AgeStanza("example.com/test", ["a", "b"], body), new AgeStanza("X", [], new byte[] { 1 })], FileKey);

        AgeHeader.FindEnd(bytes).Should().Be(bytes.Length);
        var header = AgeHeader.Parse(bytes);

        header.Stanzas.Should().HaveCount(2);
        header.Stanzas[0].Type.Should().Be("example.com/test");
        header.Stanzas[0].Arguments.Should().Equal("a", "b");
        header.Stanzas[0].Body.ToArray().Should().Equal(body);
        header.VerifyMac(FileKey);
        var lines = Encoding.ASCII.GetString(bytes).Split('\n');
        lines.Should().OnlyContain(l => l.Length <= 64 || l.StartsWith("-> ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_specification_example_header_parses()
    {
        const string text = "age-encryption.org/v1\n-> X25519 XEl0dJ6y3C7KZkgmgWUicg63EyXJiwBJW8PdYJ/cYBE\nqRS0AMjdjPvZ/WT08U2KL4G+PIooA3hy38SvLpvaC1E\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n";

        var header = AgeHeader.Parse(Encoding.ASCII.GetBytes(text));

        header.Stanzas.Should().ContainSingle().Which.Body.Length.Should().Be(32);
    }

    [Fact]
    public void A_changed_stanza_fails_the_mac()
    {
        var bytes = AgeHeader.Write([new AgeStanza("t", ["arg"], new byte[32])], FileKey);
        var changed = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(bytes).Replace("-> t arg", "-> t arh", StringComparison.Ordinal));

        var act = () => AgeHeader.Parse(changed).VerifyMac(FileKey);

        act.Should().Throw<AgeFormatException>().WithMessage("*MAC does not match*");
    }

    [Theory]
    [InlineData("age-encryption.org/v2\n-> t\nAA\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "does not start")]
    [InlineData("age-encryption.org/v1\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "no recipient stanza")]
    [InlineData("age-encryption.org/v1\n-> t\nAB\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "canonical")]
    [InlineData("age-encryption.org/v1\n-> t\nAA==\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "canonical")]
    [InlineData("age-encryption.org/v1\n-> t  x\nAA\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "empty argument")]
    [InlineData("age-encryption.org/v1\n-> t\nAA\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75\n", "MAC line")]
    [InlineData("age-encryption.org/v1\n-> t\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "shorter than 64")]
    [InlineData("age-encryption.org/v1\n-> t\tx\nAA\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n", "printable")]
    public void Malformed_headers_are_refused(string text, string why)
    {
        var act = () => AgeHeader.Parse(Encoding.ASCII.GetBytes(text));

        act.Should().Throw<AgeFormatException>().WithMessage($"*{why}*");
    }

    [Fact]
    public void A_stanza_body_of_a_full_line_without_the_empty_line_after_it_is_refused()
    {
        var full = new string('A', 64);
        var text = $"age-encryption.org/v1\n-> t\n{full}\n--- HK2NmOBN9Dpq0Gw6xMCuhFcQlQLvZ/wQUi/2scLG75s\n";

        var act = () => AgeHeader.Parse(Encoding.ASCII.GetBytes(text));

        act.Should().Throw<AgeFormatException>();
    }
}

using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;
using VolumeAgent.Tests.Crypto.Age;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Crypto;

public sealed class EncryptionPolicyTests
{
    private const string Passphrase = "a-long-Passphrase-0";

    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        new Dictionary<string, string>(),
        new Dictionary<string, string>
        {
            ["/run/secrets/recipients"] = $"# team keys\n{Bech32Tests.KeygenPublic}\n\n",
            ["/run/secrets/passphrase"] = Passphrase + "\n",
        });

    [Fact]
    public void Recipients_and_a_recipients_file_are_read()
    {
        var other = VolumeAgent.Crypto.Age.X25519Identity.Generate().Recipient.Encoded;
        var policy = PolicyTestHelpers.Load(Job($"recipients: [{other}]\n  recipients_file: /run/secrets/recipients"), Env);

        var encryption = policy.Jobs[0].Encryption!;
        encryption.Recipients.Select(r => r.Encoded).Should().Equal(other, Bech32Tests.KeygenPublic);
        encryption.Passphrase.Should().BeNull();
        encryption.Describe().Should().Be("age, to 2 recipient(s)");
    }

    [Fact]
    public void A_passphrase_file_is_read_and_never_shown()
    {
        var encryption = PolicyTestHelpers.Load(Job("passphrase_file: /run/secrets/passphrase"), Env).Jobs[0].Encryption!;

        encryption.Passphrase!.Reveal().Should().Be(Passphrase);
        encryption.ToString().Should().NotContain(Passphrase);
        encryption.Describe().Should().NotContain(Passphrase);
    }

    [Theory]
    [InlineData("recipients: [age1notakey]", "is not an age X25519 recipient")]
    [InlineData("recipients: [" + Bech32Tests.KeygenSecret + "]", "is a secret key")]
    [InlineData("passphrase_file: /run/secrets/passphrase\n  recipients_file: /run/secrets/recipients", "cannot be combined")]
    [InlineData("recipient: [x]", "recipient")]
    [InlineData("recipients_file: relative.txt", "absolute path")]
    [InlineData("{}", "names no recipient")]
    public void Mistakes_are_reported_and_never_echo_a_secret_key(string lines, string message)
    {
        var failure = PolicyTestHelpers.LoadFailure(Job(lines), Env);

        failure.Message.Should().Contain(message).And.NotContain(Bech32Tests.KeygenSecret[16..]);
    }

    [Fact]
    public void A_job_without_encryption_has_none()
    {
        PolicyTestHelpers.Load(PolicyTestHelpers.WithSources("- volume: data"), Env).Jobs[0].Encryption.Should().BeNull();
    }

    private static string Job(string encryptionLines) =>
        PolicyTestHelpers.WithJob("sources:\n  - volume: data\nencryption:" + (encryptionLines == "{}" ? " {}" : "\n  " + encryptionLines));
}

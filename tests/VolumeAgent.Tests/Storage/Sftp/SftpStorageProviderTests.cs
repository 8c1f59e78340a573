using VolumeAgent.Policy.Reading;
using VolumeAgent.Storage.Sftp;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Storage.Sftp;

public sealed class SftpStorageProviderTests
{
    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        files: new Dictionary<string, string> { ["/run/secrets/sftp"] = "s3cr3t-pw\n" });

    [Fact]
    public void Read_KeyLogin_AllKeys()
    {
        var policy = PolicyTestHelpers.Load(Storage(
            "type: sftp, host: box.example.com, port: 23, user: u1, path: /home/backups, private_key_file: /keys/id_ed25519, known_hosts_file: /keys/known_hosts"));

        var sftp = policy.Storage["offsite"].Should().BeOfType<SftpStorageOptions>().Which;
        sftp.Host.Should().Be("box.example.com");
        sftp.Port.Should().Be(23);
        sftp.User.Should().Be("u1");
        sftp.Path.Should().Be("/home/backups");
        sftp.PrivateKeyFile.Should().Be("/keys/id_ed25519");
        sftp.Password.Should().BeNull();
        sftp.KnownHostsFile.Should().Be("/keys/known_hosts");
        sftp.Url.Should().Be("sftp://u1@box.example.com:23/home/backups");
        new SftpStorageProvider().Describe(sftp).Should().Be("sftp sftp://u1@box.example.com:23/home/backups (key /keys/id_ed25519, host key pinned in /keys/known_hosts)");
    }

    [Fact]
    public void Read_PasswordFile_DefaultPort_RelativePath()
    {
        var policy = PolicyTestHelpers.Load(Storage("type: sftp, host: nas, user: u, path: backups, password_file: /run/secrets/sftp, known_hosts_file: /k"), Env);

        var sftp = (SftpStorageOptions)policy.Storage["offsite"];
        sftp.Port.Should().Be(22);
        sftp.Password!.Reveal().Should().Be("s3cr3t-pw");
        sftp.Password.ToString().Should().NotContain("s3cr3t");
        sftp.Url.Should().Be("sftp://u@nas:22/~/backups");
    }

    [Theory]
    [InlineData("host: h, user: u, path: /b, known_hosts_file: /k", "storage.offsite.private_key_file", "set 'private_key_file' (an OpenSSH private key) or 'password_file'")]
    [InlineData("host: h, user: u, path: /b, private_key_file: /i, password_file: /run/secrets/sftp, known_hosts_file: /k", "storage.offsite.password_file", "not both")]
    [InlineData("host: h, user: u, path: /b, password: pw, known_hosts_file: /k", "storage.offsite.password", "name that file in 'password_file'")]
    [InlineData("host: h, user: u, path: /b, private_key_file: /i", "storage.offsite.known_hosts_file", "ssh-keyscan h >>")]
    [InlineData("host: h, port: 70000, user: u, path: /b, private_key_file: /i, known_hosts_file: /k", "storage.offsite.port", "between 1 and 65535")]
    [InlineData("host: u@h, user: u, path: /b, private_key_file: /i, known_hosts_file: /k", "storage.offsite.host", "put the user in 'user'")]
    [InlineData("host: h, user: u, path: /b, private_key_file: keys/id, known_hosts_file: /k", "storage.offsite.private_key_file", "absolute path")]
    [InlineData("host: h, user: u, path: /b, private_key_file: /i, known_hosts_file: /k, bucket: b", "storage.offsite.bucket", "applies to s3 storage only")]
    public void Read_Mistakes_AreReportedWithTheKeyAndTheFix(string keys, string path, string message)
    {
        var failure = PolicyTestHelpers.LoadFailure(Storage("type: sftp, " + keys), Env);

        failure.Problems.Should().Contain(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal), string.Join("\n", failure.Problems));
    }

    private static string Storage(string keys) => $"storage:\n  offsite: {{ {keys} }}\njobs:\n  j:\n    storage: [offsite]\n    sources: [{{ volume: data }}]\n";
}

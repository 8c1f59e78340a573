using VolumeAgent.Policy.Reading;
using VolumeAgent.Storage.Restic;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Storage.Restic;

public sealed class ResticStorageProviderTests
{
    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        variables: new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE" },
        files: new Dictionary<string, string> { ["/run/secrets/restic"] = "repo-pw\n", ["/run/secrets/aws"] = "aws-s3cr3t\n" });

    [Fact]
    public void Read_LocalRepository_AllKeys()
    {
        var policy = PolicyTestHelpers.Load(Storage("type: restic, repository: /backups/restic, password_file: /run/secrets/restic, init: true, image: restic-helper:1"), Env);

        var restic = policy.Storage["vault"].Should().BeOfType<ResticStorageOptions>().Which;
        restic.Repository.Should().Be("/backups/restic");
        restic.IsLocal.Should().BeTrue();
        restic.HelperRepository.Should().Be(ResticStorageOptions.LocalMountPoint);
        restic.Password.Reveal().Should().Be("repo-pw");
        restic.Init.Should().BeTrue();
        restic.Image.Should().Be("restic-helper:1");
        restic.Environment.Should().BeEmpty();
        new ResticStorageProvider().Describe(restic).Should().Be("restic repository /backups/restic (helper image restic-helper:1, created when missing)").And.NotContain("repo-pw");
    }

    [Fact]
    public void Read_CheckSubsetAndPruneSchedule()
    {
        var policy = PolicyTestHelpers.Load(Storage("type: restic, repository: /r, password_file: /run/secrets/restic, image: r, check_read_data_subset: 2.5%, prune_schedule: \"0 5 * * 0\""), Env);

        var restic = policy.Storage["vault"].Should().BeOfType<ResticStorageOptions>().Which;
        restic.CheckReadDataSubset.Should().Be("2.5%");
        restic.PruneSchedule!.Expression.Should().Be("0 5 * * 0");
        new ResticStorageProvider().Describe(restic).Should().Contain("pruned on '0 5 * * 0'");
    }

    [Theory]
    [InlineData("5%", true)]
    [InlineData("2.5%", true)]
    [InlineData("1/10", true)]
    [InlineData("10/10", true)]
    [InlineData("500M", true)]
    [InlineData("2G", true)]
    [InlineData("11/10", false)]
    [InlineData("%", false)]
    [InlineData("1/0", false)]
    [InlineData("05M", false)]
    [InlineData("all", false)]
    public void IsDataSubset_TakesWhatResticCheckTakes(string value, bool expected) => ResticStorageProvider.IsDataSubset(value).Should().Be(expected);

    [Fact]
    public void Read_RemoteRepository_CredentialsFromFilesAndTheAgentsEnvironment_InitOffByDefault()
    {
        var policy = PolicyTestHelpers.Load(
            Storage("type: restic, repository: 's3:https://s3.example.com/bucket/restic', password_file: /run/secrets/restic, image: r, "
                + "environment_files: { AWS_SECRET_ACCESS_KEY: /run/secrets/aws }, environment: [AWS_ACCESS_KEY_ID]"),
            Env);

        var restic = (ResticStorageOptions)policy.Storage["vault"];
        restic.IsLocal.Should().BeFalse();
        restic.Init.Should().BeFalse();
        restic.HelperRepository.Should().Be("s3:https://s3.example.com/bucket/restic");
        restic.Environment.ToDictionary(p => p.Key, p => p.Value.Reveal()).Should().BeEquivalentTo(
            new Dictionary<string, string> { ["AWS_SECRET_ACCESS_KEY"] = "aws-s3cr3t", ["AWS_ACCESS_KEY_ID"] = "AKIDEXAMPLE" });
        new ResticStorageProvider().Describe(restic).Should().Contain("credentials AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY").And.NotContain("s3cr3t");
    }

    [Theory]
    [InlineData("password_file: /run/secrets/restic, image: r", "storage.vault.repository", "an absolute path on the Docker host")]
    [InlineData("repository: backups, password_file: /run/secrets/restic, image: r", "storage.vault.repository", "neither an absolute path nor a restic backend")]
    [InlineData("repository: /r, image: r", "storage.vault.password_file", "a file holding the repository's password")]
    [InlineData("repository: /r, password: pw, password_file: /run/secrets/restic, image: r", "storage.vault.password", "name that file in 'password_file'")]
    [InlineData("repository: /r, password_file: /run/secrets/missing, image: r", "storage.vault.password_file", "cannot read the password")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, init: maybe", "storage.vault.init", "true or false")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, environment_files: { RESTIC_PASSWORD: /run/secrets/aws }", "storage.vault.environment_files.RESTIC_PASSWORD", "comes from 'password_file'")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, environment_files: { B2_ACCOUNT_KEY: relative }", "storage.vault.environment_files.B2_ACCOUNT_KEY", "absolute path")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, environment: [B2_ACCOUNT_ID]", "storage.vault.environment", "B2_ACCOUNT_ID is not set")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, bucket: b", "storage.vault.bucket", "applies to s3 storage only")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, check_read_data_subset: some", "storage.vault.check_read_data_subset", "a percentage (5%), a share n/t (1/10) or a size (500M)")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, check_read_data_subset: 0/10", "storage.vault.check_read_data_subset", "a percentage")]
    [InlineData("repository: \"sftp:u@h:/r\", password_file: /run/secrets/restic, image: r, known_hosts_file: /etc/kh", "storage.vault.private_key_file", "an sftp: repository needs the private key")]
    [InlineData("repository: \"sftp:u@h:/r\", password_file: /run/secrets/restic, image: r, private_key_file: /etc/key", "storage.vault.known_hosts_file", "the known_hosts file")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, private_key_file: /etc/key", "storage.vault.private_key_file", "applies to an sftp: repository only")]
    [InlineData("repository: /r, password_file: /run/secrets/restic, image: r, prune_schedule: \"0 5 * *\"", "storage.vault.prune_schedule", "has 4 fields")]
    public void Read_Mistakes_AreReportedWithTheKeyAndTheFix(string keys, string path, string message)
    {
        var failure = PolicyTestHelpers.LoadFailure(Storage("type: restic, " + keys), Env);

        failure.Problems.Should().Contain(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal), string.Join("\n", failure.Problems));
    }

    [Fact]
    public void FindProblem_AMissingLocalRepositoryWithoutInit_NamesTheStorageAndInit()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-restic-repository-" + Guid.NewGuid().ToString("N"));
        var policy = PolicyTestHelpers.Load(Storage($"type: restic, repository: {missing}, password_file: /run/secrets/restic, image: r"), Env);

        new ResticStorageProvider().FindProblem(policy.Storage["vault"]).Should()
            .Contain("restic storage 'vault'").And.Contain("no restic repository at " + missing).And.Contain("init: true");
    }

    private static string Storage(string keys) => $"storage:\n  vault: {{ {keys} }}\njobs:\n  j:\n    storage: [vault]\n    sources: [{{ volume: data }}]\n";
}

using VolumeAgent.Policy;
using VolumeAgent.Policy.Reading;
using VolumeAgent.Sources;
using YamlDotNet.RepresentationModel;

namespace VolumeAgent.Tests.Policy;

/// <summary>The repository's backup.yml is the example users copy: it must load and show every key.</summary>
public sealed class ExampleBackupYmlTests
{
    private static readonly PolicyEnvironment Env = FakePolicyEnvironment.Create(
        new Dictionary<string, string> { ["S3_SECRET_KEY"] = "example-secret", ["MYSQL_BACKUP_PASSWORD"] = "example-password", ["B2_ACCOUNT_ID"] = "example-account", ["CHAT_WEBHOOK_URL"] = "https://hooks.slack.com/services/T0/B0/x" },
        new Dictionary<string, string> { ["/run/secrets/s3_access_key"] = "AKIAEXAMPLE\n", ["/run/secrets/pg_password"] = "pg\n", ["/run/secrets/backup_passphrase"] = "example passphrase\n", ["/run/secrets/restic_password"] = "example restic\n", ["/run/secrets/b2_account_key"] = "example key\n", ["/run/secrets/ops_webhook_url"] = "https://ops.example.com/hook\n", ["/run/secrets/ops_webhook_key"] = "k\n", ["/run/secrets/smtp_password"] = "p\n", ["/run/secrets/volume_agent_token"] = "0123456789abcdef0123456789abcdef\n" });

    private static readonly string ExamplePath = Path.Combine(RepositoryRoot.Find(), "backup.yml");

    [Fact]
    public void LoadFile_ExampleBackupYml_LoadsWithoutProblems()
    {
        var policy = PolicyLoader.LoadFile(ExamplePath, Env);

        policy.TimeZone.Id.Should().Be("Europe/Berlin");
        policy.Storage.Should().ContainKeys("local", "offsite");
        policy.Jobs.Should().NotBeEmpty();
        policy.Jobs.SelectMany(j => j.Sources).Select(s => s.Kind).Distinct()
            .Should().BeEquivalentTo(SourceKinds.All.Select(k => k.Key), "the example shows every kind of source");
    }

    [Fact]
    public void ExampleBackupYml_UsesEveryKnownKey()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(ExamplePath))
        {
            stream.Load(reader);
        }

        var keys = stream.Documents[0].AllNodes.OfType<YamlMappingNode>()
            .SelectMany(m => m.Children.Keys).OfType<YamlScalarNode>().Select(k => k.Value).ToHashSet();

        // Each *_file twin is the alternative to its secret key; the example shows the other form of each.
        PolicyKeys.All.Where(key => !keys.Contains(key) && !keys.Contains(key.EndsWith("_file", StringComparison.Ordinal) ? key[..^5] : key + "_file"))
            .Should().BeEmpty();
    }

    [Fact]
    public void ReferenceDocument_DescribesEveryKnownKey()
    {
        var reference = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "docs", "backup-yml.md"));

        PolicyKeys.All.Where(key => !reference.Contains($"`{key}`", StringComparison.Ordinal)).Should().BeEmpty();
    }
}

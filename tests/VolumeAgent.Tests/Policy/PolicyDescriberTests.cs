using VolumeAgent.Policy;

namespace VolumeAgent.Tests.Policy;

public sealed class PolicyDescriberTests
{
    private const string Yaml = """
        timezone: Europe/Berlin
        project: shop
        storage:
          local: { type: local, path: /backups }
          offsite: { type: s3, endpoint: "https://s3.example.com", bucket: shop, prefix: web1, access_key: a, secret_key: s, path_style: true }
        jobs:
          nightly:
            schedule: "0 2 * * *"
            jitter: 90s
            storage: [local, offsite]
            retention: { keep_last: 3, keep_daily: 7, keep_within: 2d }
            stop_containers: [app]
            verify: { schedule: "@weekly", drill: true }
            hooks:
              before: [{ container: app, command: ["true"] }]
            sources:
              - volume: uploads
                exclude: ["cache/*"]
              - postgres: db
                databases: [shop]
          adhoc:
            storage: [local]
            compression: none
            sources:
              - path: /etc/nginx
        """;

    private readonly string description = PolicyTestHelpers.Load(Yaml).Describe();

    [Theory]
    [InlineData("time zone Europe/Berlin, helper image alpine:3.20, state in /var/lib/volume-agent, text logs, compose project shop")]
    [InlineData("local    local directory /backups")]
    [InlineData("offsite  s3 bucket shop at https://s3.example.com/, region us-east-1, prefix web1/, path-style")]
    [InlineData("schedule:    0 2 * * * (Europe/Berlin), jitter up to 1m30s")]
    [InlineData("storage:     local, offsite")]
    [InlineData("compression: gzip level 6")]
    [InlineData("retention:   keep last 3, daily 7, all within 2d")]
    [InlineData("stops:       app")]
    [InlineData("hooks:       1 before, 0 after")]
    [InlineData("verify:      @weekly, with restore drill")]
    [InlineData("volume-uploads <- volume uploads (exclude cache/*)")]
    [InlineData("postgres-db    <- postgres db (databases: shop, custom format)")]
    [InlineData("schedule:    on demand only (run-now)")]
    [InlineData("compression: none")]
    [InlineData("retention:   keep every set")]
    [InlineData("path-etc-nginx <- path /etc/nginx")]
    public void Describe_Policy_MentionsEverySetting(string expectedLine)
    {
        description.Split('\n').Select(l => l.Trim()).Should().Contain(expectedLine);
    }

    [Fact]
    public void Describe_Policy_ListsJobsInFileOrder()
    {
        description.IndexOf("  nightly", StringComparison.Ordinal).Should().BeLessThan(description.IndexOf("  adhoc", StringComparison.Ordinal));
        description.Should().Contain("jobs (2):").And.Contain("storage (2):").And.Contain("sources (2):").And.Contain("sources (1):");
    }
}

using VolumeAgent.Policy.Notify;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Notifiers;

/// <summary>The root <c>notify</c> map, a job's <c>notify</c> list and <c>max_age</c>, and a hook's <c>user</c>.</summary>
public sealed class NotifyPolicyTests
{
    private const string Url = "https://hooks.example.com/services/T0/B0/SeCrEt";

    private static readonly global::VolumeAgent.Policy.Reading.PolicyEnvironment Env = FakePolicyEnvironment.Create(
        new Dictionary<string, string> { ["CHAT_URL"] = Url },
        new Dictionary<string, string> { ["/run/secrets/hook_key"] = "k3y\n", ["/run/secrets/smtp"] = "pa55\n", ["/run/secrets/url"] = "http://127.0.0.1:9/ping\n" });

    private static string With(string notify, string job = "") =>
        "storage:\n  local: { type: local, path: /backups }\nnotify:\n" + PolicyTestHelpers.Indent(notify, 2) + "jobs:\n  nightly:\n" + PolicyTestHelpers.Indent(job + "sources: [{ volume: data }]", 4);

    [Fact]
    public void Load_EveryType_ReadsItsKeysWithDefaults()
    {
        var policy = PolicyTestHelpers.Load(
            With("""
                ops: { type: webhook, url: "http://127.0.0.1:8080/hook", secret_file: /run/secrets/hook_key, on: [failure, missed] }
                chat: { type: slack, url: "${CHAT_URL}" }
                phone: { type: ntfy, url: "https://ntfy.sh/backups", on: [success, verify_failure, retention_error] }
                mail: { type: email, smtp_host: smtp.example.com, username: agent, password_file: /run/secrets/smtp, from: a@example.com, to: [b@example.com] }
                hc: { type: ping, url_file: /run/secrets/url }
                """),
            Env);

        policy.Notify.Keys.Should().Equal("ops", "chat", "phone", "mail", "hc");
        policy.Notify["ops"].Should().BeEquivalentTo(new { Type = NotifyType.Webhook, On = new[] { NotifyEvent.Failure, NotifyEvent.Missed } });
        policy.Notify["ops"].SigningKey!.Reveal().Should().Be("k3y");
        policy.Notify["chat"].Url!.Reveal().Should().Be(Url);
        policy.Notify["chat"].On.Should().BeEquivalentTo([NotifyEvent.Failure], "failures are the default");
        policy.Notify["phone"].On.Should().BeEquivalentTo([NotifyEvent.Success, NotifyEvent.VerifyFailure, NotifyEvent.RetentionError]);
        policy.Notify["mail"].Email.Should().BeEquivalentTo(new { SmtpHost = "smtp.example.com", SmtpPort = 587, StartTls = true, Username = "agent", From = "a@example.com", To = new[] { "b@example.com" } });
        policy.Notify["mail"].Email!.Password!.Reveal().Should().Be("pa55");
        policy.Notify["hc"].Url!.Reveal().Should().Be("http://127.0.0.1:9/ping");
        policy.Notify["hc"].On.Should().BeEquivalentTo([NotifyEvent.Failure, NotifyEvent.Success], "a ping check expects successes too");
        policy.NotifyTargetsOf(policy.Jobs[0]).Should().HaveCount(5, "a job without its own list is told through every target");
        policy.Describe().Should().NotContain("SeCrEt");
    }

    [Fact]
    public void Load_JobNotifyAndMaxAge_NameTargetsAndReadTheDuration()
    {
        var policy = PolicyTestHelpers.Load(
            With("a: { type: ntfy, url: \"https://ntfy.sh/a\" }\nb: { type: ntfy, url: \"https://ntfy.sh/b\" }\n", "notify: [b]\nmax_age: 26h\n"));

        policy.Jobs[0].Notify.Should().Equal("b");
        policy.Jobs[0].MaxAge.Should().Be(TimeSpan.FromHours(26));
        policy.NotifyTargetsOf(policy.Jobs[0]).Select(t => t.Name).Should().Equal("b");
    }

    [Theory]
    [InlineData("x: { type: pager, url: \"https://a.example\" }", "", "notify.x.type", "'pager' is not allowed; use one of webhook, slack, ntfy, email, ping")]
    [InlineData("x: { type: ntfy }", "", "notify.x.url", "is required; set 'url'")]
    [InlineData("x: { type: ntfy, url: \"ftp://a.example/t\" }", "", "notify.x.url", "is not an absolute http:// or https:// URL")]
    [InlineData("x: { type: ntfy, url: \"https://a.example/t\", on: [failure, oops] }", "", "notify.x.on[1]", "'oops' is not an event; use any of failure, success, verify_failure, retention_error, missed")]
    [InlineData("x: { type: ntfy, url: \"https://a.example/t\", secret_file: /k }", "", "notify.x.secret_file", "does not apply to a target of type ntfy")]
    [InlineData("x: { type: webhook, url: \"https://a.example/t\", secret: inline }", "", "notify.x.secret", "unknown key 'secret'")]
    [InlineData("x: { type: email, smtp_host: h, from: a@example.com, to: [b@example.com], username: u }", "", "notify.x.password_file", "is required when 'username' is set")]
    [InlineData("x: { type: email, smtp_host: h, from: nobody, to: [b@example.com] }", "", "notify.x.from", "'nobody' is not an email address")]
    [InlineData("x: { type: ntfy, url: \"https://a.example/t\" }", "notify: [y]\n", "jobs.nightly.notify[0]", "notify target 'y' is not defined under the root 'notify' (defined: x)")]
    [InlineData("x: { type: ntfy, url: \"https://a.example/t\" }", "max_age: soon\n", "jobs.nightly.max_age", "")]
    public void Load_Mistake_NamesTheKeyAndTheFix(string notify, string job, string path, string message)
    {
        var failure = PolicyTestHelpers.LoadFailure(With(notify, job), Env);

        failure.Problems.Should().Contain(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal), failure.Message);
    }

    [Fact]
    public void Load_UrlFromAFile_IsNeverQuotedInAProblem()
    {
        var env = FakePolicyEnvironment.Create(files: new Dictionary<string, string> { ["/run/secrets/u"] = "not-a-url-t0ken\n" });

        var failure = PolicyTestHelpers.LoadFailure(With("x: { type: slack, url_file: /run/secrets/u }"), env);

        failure.Message.Should().Contain("notify.x.url_file").And.NotContain("t0ken");
    }

    [Fact]
    public void Load_HookUser_IsRead()
    {
        var policy = PolicyTestHelpers.Load(PolicyTestHelpers.WithJob(
            "sources: [{ volume: data }]\nhooks:\n  after: [{ container: app, user: \"1000:1000\", command: [\"true\"] }]\n"));

        policy.Jobs[0].Hooks.After[0].User.Should().Be("1000:1000");
    }
}

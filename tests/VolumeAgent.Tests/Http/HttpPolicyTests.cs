using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Http;

/// <summary>The root <c>http:</c> of backup.yml: read when given, absent by default, every mistake named with its fix.</summary>
public sealed class HttpPolicyTests
{
    private const string TokenFile = "/run/secrets/volume-agent-token";
    private const string Token = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Load_WithoutHttp_NothingListens() =>
        PolicyTestHelpers.Load(PolicyTestHelpers.Minimal).Http.Should().BeNull();

    [Fact]
    public void Load_Http_ReadsListenTokenAndMetricsPublic()
    {
        var policy = PolicyTestHelpers.Load(Yaml($"listen: \"0.0.0.0:9180\"\n  token_file: {TokenFile}\n  metrics_public: true"), WithToken(Token + "\n"));

        var http = policy.Http!;
        http.Listen.ToString().Should().Be("0.0.0.0:9180");
        http.Token.Reveal().Should().Be(Token, "the file's trailing newline is not part of the token");
        http.MetricsPublic.Should().BeTrue();
        http.Tls.Should().BeFalse();
        http.Url.Should().Be("http://0.0.0.0:9180");
        policy.Describe().Should().Contain("http: http://0.0.0.0:9180 (daemon only), bearer token from " + TokenFile).And.NotContain(Token);
    }

    [Theory]
    [InlineData("listen: \"127.0.0.1\"\n  token_file: " + TokenFile, "http.listen", "is not an IP address and port")]
    [InlineData("listen: \"localhost:8080\"\n  token_file: " + TokenFile, "http.listen", "is not an IP address and port")]
    [InlineData("listen: \"127.0.0.1:0\"\n  token_file: " + TokenFile, "http.listen", "is not an IP address and port")]
    [InlineData("token_file: " + TokenFile, "http.listen", "listen: \"127.0.0.1:8080\"")]
    [InlineData("listen: \"127.0.0.1:8080\"", "http.token_file", "openssl rand -hex 32")]
    [InlineData("listen: \"127.0.0.1:8080\"\n  token_file: token", "http.token_file", "must be an absolute path")]
    [InlineData("listen: \"127.0.0.1:8080\"\n  token_file: /run/secrets/other", "http.token_file", "cannot read the token from '/run/secrets/other'")]
    [InlineData("listen: \"127.0.0.1:8080\"\n  token_file: " + TokenFile + "\n  metrics_public: sometimes", "http.metrics_public", "expected true or false")]
    [InlineData("listen: \"127.0.0.1:8080\"\n  token_file: " + TokenFile + "\n  tls_certificate_file: /etc/cert.pem", "http.tls_key_file", "needs 'tls_key_file' too")]
    [InlineData("listen: \"127.0.0.1:8080\"\n  token_file: " + TokenFile + "\n  port: 8080", "http.port", "unknown key 'port'")]
    public void Load_HttpMistake_NamesTheKeyAndTheFix(string lines, string path, string message)
    {
        var failure = PolicyTestHelpers.LoadFailure(Yaml(lines), WithToken(Token));

        failure.Problems.Should().Contain(p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal), string.Join("\n", failure.Problems.Select(p => $"{p.Path}: {p.Message}")));
    }

    [Fact]
    public void Load_ShortToken_IsRefusedWithoutShowingIt()
    {
        var failure = PolicyTestHelpers.LoadFailure(Yaml($"listen: \"127.0.0.1:8080\"\n  token_file: {TokenFile}"), WithToken("s3cr3t"));

        var problem = failure.Problems.Should().ContainSingle().Which;
        problem.Path.Should().Be("http.token_file");
        problem.Message.Should().Contain("shorter than 16 characters").And.NotContain("s3cr3t");
    }

    private static string Yaml(string httpLines) => "http:\n  " + httpLines + "\n" + PolicyTestHelpers.Minimal;

    private static VolumeAgent.Policy.Reading.PolicyEnvironment WithToken(string token) =>
        FakePolicyEnvironment.Create(files: new Dictionary<string, string> { [TokenFile] = token });
}

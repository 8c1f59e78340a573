using VolumeAgent.Http;

namespace VolumeAgent.Tests.Http;

public sealed class HttpRouterTests
{
    [Theory]
    [InlineData("GET", "/healthz", "Health", null)]
    [InlineData("HEAD", "/healthz", "Health", null)]
    [InlineData("GET", "/metrics", "Metrics", null)]
    [InlineData("GET", "/", "StatusPage", null)]
    [InlineData("GET", "/api/v1/status", "Status", null)]
    [InlineData("GET", "/api/v1/jobs/nightly/sets", "JobSets", "nightly")]
    [InlineData("POST", "/api/v1/jobs/gallery.events/runs", "StartRun", "gallery.events")]
    [InlineData("post", "/api/v1/jobs/a%2Db/runs", "StartRun", "a-b")]
    [InlineData("GET", "/api/v1/runs/1a2b3c4d", "Run", "1a2b3c4d")]
    public void Match_KnownRoute_GivesItsKindAndParameter(string method, string path, string kind, string? parameter)
    {
        var route = HttpRouter.Match(method, path);

        route.Kind.Should().Be(Enum.Parse<HttpRouteKind>(kind));
        route.Parameter.Should().Be(parameter);
    }

    [Theory]
    [InlineData("POST", "/metrics", "GET, HEAD")]
    [InlineData("DELETE", "/", "GET, HEAD")]
    [InlineData("GET", "/api/v1/jobs/nightly/runs", "POST")]
    [InlineData("POST", "/api/v1/jobs/nightly/sets", "GET, HEAD")]
    [InlineData("PUT", "/api/v1/runs/1a2b3c4d", "GET, HEAD")]
    public void Match_KnownPathOtherMethod_IsMethodNotAllowedWithAllow(string method, string path, string allow)
    {
        var route = HttpRouter.Match(method, path);

        route.Kind.Should().Be(HttpRouteKind.MethodNotAllowed);
        route.Allow.Should().Be(allow);
    }

    [Theory]
    [InlineData("/index.html")]
    [InlineData("/api/v1/jobs/")]
    [InlineData("/api/v1/jobs//runs")]
    [InlineData("/api/v1/jobs/nightly")]
    [InlineData("/api/v1/jobs/nightly/runs/extra")]
    [InlineData("/api/v1/runs/")]
    [InlineData("/api/v1/runs/1a2b3c4d/log")]
    [InlineData("/metrics/")]
    public void Match_UnknownPath_IsNotFound(string path) =>
        HttpRouter.Match("GET", path).Kind.Should().Be(HttpRouteKind.NotFound);
}

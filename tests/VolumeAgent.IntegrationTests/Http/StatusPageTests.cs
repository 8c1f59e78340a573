using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Http;

/// <summary>
/// The status page at / in headless Chromium (Debian's, through Playwright): the token given once as /?token=…
/// becomes a cookie and the address loses it; the page shows every job, a failed run with its error and a tagged set,
/// and works without JavaScript. A screenshot is kept with the test results (docs/status-page.png is one).
/// </summary>
[Collection(DockerTests.Name)]
public sealed class StatusPageTests
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(5);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public StatusPageTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task StatusPage_InHeadlessChromium_ShowsTheJobsAndAFailedRun()
    {
        File.Exists(Chromium).Should().BeTrue($"Debian's chromium must be installed at {Chromium} (.ci/run installs it)");
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var scope = _docker.CreateScope(_output);
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var volume = await scope.CreateVolumeAsync("page", ct);
        var gallery = workspace.Job("gallery");
        var broken = workspace.Job("broken");
        var port = TcpPorts.Free();
        var (tokenFile, token) = HttpDaemon.WriteToken(workspace);
        workspace.WriteConfig(HttpDaemon.Config(port, tokenFile) + $"""
            jobs:
              {gallery}:
                sources:
                  - volume: {volume}
              {broken}:
                sources:
                  - volume: missing-{_docker.TestRunId}
            """);
        await using var daemon = await HttpDaemon.StartAsync(workspace, port, token, ct);
        foreach (var (job, body) in new[] { (gallery, """{"tag":"gallery-42"}"""), (broken, "{}") })
        {
            using var post = await daemon.Authorized.PostAsync($"api/v1/jobs/{job}/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), ct);
            post.StatusCode.Should().Be(HttpStatusCode.Accepted);
            await daemon.WaitForRunAsync(JsonDocument.Parse(await post.Content.ReadAsStringAsync(ct)).RootElement.GetProperty("run_id").GetString()!, ct);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = new ViewportSize { Width = 412, Height = 915 } });
        var page = await context.NewPageAsync();

        var refused = await page.GotoAsync(daemon.Address.ToString());
        refused!.Status.Should().Be(401, "the page needs the token");
        var answer = await page.GotoAsync($"{daemon.Address}?token={token}");
        answer!.Status.Should().Be(200);
        page.Url.Should().Be(daemon.Address.ToString(), "the token is set as a cookie and the address loses it");

        var text = await page.InnerTextAsync("body");
        _output.WriteLine(text);
        (await page.Locator($"#job-{gallery} h2").InnerTextAsync()).Should().Be(gallery);
        (await page.Locator($"#job-{broken} h2").InnerTextAsync()).Should().Be(broken);
        (await page.Locator($"#job-{broken} .bad").First.InnerTextAsync()).Should().Be("failed");
        (await page.Locator($"#job-{broken} .err").InnerTextAsync()).Should().Contain("1 of 1 artifact(s) failed");
        (await page.Locator($"#job-{gallery}").InnerTextAsync()).Should().Contain("succeeded").And.Contain("gallery-42").And.Contain("on demand");
        text.Should().Contain("unhealthy", "a job's last run failed");

        var screenshot = Path.Combine(AgentImage.RepositoryRoot, ".artifacts", "test-results", "status-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        _output.WriteLine($"screenshot: {screenshot}");
        await daemon.Process.TerminateAsync(ct);
        (await daemon.Process.WaitAsync(TimeSpan.FromSeconds(60), ct)).ExitCode.Should().Be(0);
    }
}

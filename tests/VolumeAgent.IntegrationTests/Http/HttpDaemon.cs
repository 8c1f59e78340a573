using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Http;

/// <summary>
/// `volume-agent daemon` of a workspace whose backup.yml has <c>http:</c> on a free 127.0.0.1 port, with an
/// <see cref="HttpClient"/> that carries its token (<see cref="Authorized"/>) and one that carries none (<see cref="Anonymous"/>).
/// </summary>
internal sealed class HttpDaemon : IAsyncDisposable
{
    private HttpDaemon(AgentRun process, Uri address, string token)
    {
        Process = process;
        Address = address;
        Token = token;
        Anonymous = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        Authorized = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        Authorized.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public AgentRun Process { get; }

    public Uri Address { get; }

    public string Token { get; }

    public HttpClient Anonymous { get; }

    public HttpClient Authorized { get; }

    /// <summary>The <c>http:</c> block for a backup.yml on <paramref name="port"/> with the token in <paramref name="tokenFile"/>.</summary>
    public static string Config(int port, string tokenFile, bool metricsPublic = false) => $"""
        http:
          listen: "127.0.0.1:{port}"
          token_file: {tokenFile}
          metrics_public: {(metricsPublic ? "true" : "false")}

        """;

    /// <summary>A fresh random token written to a file of the workspace; returns the file and the token.</summary>
    public static (string File, string Token) WriteToken(AgentWorkspace workspace)
    {
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var file = Path.Combine(workspace.Root, "http-token");
        File.WriteAllText(file, token + "\n");
        return (file, token);
    }

    /// <summary>Starts the daemon of <paramref name="workspace"/> (its config already written) and waits until /healthz answers.</summary>
    public static async Task<HttpDaemon> StartAsync(AgentWorkspace workspace, int port, string token, CancellationToken ct)
    {
        var process = await workspace.StartAsync(ct, "daemon");
        var daemon = new HttpDaemon(process, new Uri($"http://127.0.0.1:{port}/"), token);
        try
        {
            await DaemonWait.UntilAsync("the daemon's /healthz to answer", TimeSpan.FromSeconds(60), async () =>
            {
                try
                {
                    using var health = await daemon.Anonymous.GetAsync("healthz", ct);
                    return (health.StatusCode == HttpStatusCode.OK || process.HasExited, process.OutputSoFar);
                }
                catch (HttpRequestException)
                {
                    return (process.HasExited, process.OutputSoFar);
                }
            }, ct);
            process.HasExited.Should().BeFalse(process.OutputSoFar);
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await Authorized.GetAsync(path, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK, $"GET {path}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls <c>GET /api/v1/runs/{id}</c> until the run has ended; returns its last answer.</summary>
    public async Task<JsonElement> WaitForRunAsync(string runId, CancellationToken ct)
    {
        JsonElement run = default;
        await DaemonWait.UntilAsync($"run {runId} to end", TimeSpan.FromMinutes(2), async () =>
        {
            run = await GetJsonAsync($"api/v1/runs/{runId}", ct);
            var status = run.GetProperty("status").GetString();
            return (status is "succeeded" or "failed", run.ToString());
        }, ct);
        return run;
    }

    public async ValueTask DisposeAsync()
    {
        Anonymous.Dispose();
        Authorized.Dispose();
        await Process.DisposeAsync();
    }
}

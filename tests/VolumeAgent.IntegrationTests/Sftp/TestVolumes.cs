using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Sftp;

/// <summary>
/// Volumes of one test, made and read with the docker command line (labelled with the run, so its sweep finds
/// them), and the restore targets the test names; all removed when disposed, pass or fail.
/// </summary>
internal sealed class TestVolumes(DockerFixture docker, ITestOutputHelper output) : IAsyncDisposable
{
    private readonly List<string> _names = [];

    /// <summary>A labelled volume filled by <paramref name="script"/> (bash, run as root with the volume at /data).</summary>
    public async Task<string> CreateAsync(string prefix, string script, CancellationToken cancellationToken)
    {
        var name = docker.UniqueName(prefix);
        _names.Add(name);
        await DockerCli.RunAsync(cancellationToken, ["volume", "create", .. LabelArguments(), name]);
        await ShellAsync(name, script, readOnly: false, cancellationToken);
        return name;
    }

    /// <summary>A name for a volume the agent creates (a restore target); removed at the end.</summary>
    public string Target(string prefix)
    {
        var name = docker.UniqueName(prefix);
        _names.Add(name);
        return name;
    }

    /// <summary>Every entry of the volume: path, type, mode, owner, link target, size, and a content hash for files.</summary>
    public Task<string> ListTreeAsync(string volume, CancellationToken cancellationToken) =>
        ShellAsync(
            volume,
            "cd /data && find . -printf '%p\\t%y\\t%m\\t%U:%G\\t%l\\t%s\\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum",
            readOnly: true,
            cancellationToken);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var name in _names)
        {
            try
            {
                await DockerCli.RunAsync(timeout.Token, "volume", "rm", "-f", name);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                output.WriteLine($"cleanup: could not remove volume {name}: {ex.Message}");
            }
        }
    }

    private async Task<string> ShellAsync(string volume, string script, bool readOnly, CancellationToken cancellationToken) =>
        await DockerCli.RunAsync(
            cancellationToken,
            [
                "run", "--rm", .. LabelArguments(), "--network", "none", "--log-driver", "none",
                "-v", $"{volume}:/data{(readOnly ? ":ro" : string.Empty)}", "--entrypoint", "bash", TestImages.Tools, "-euo", "pipefail", "-c", script,
            ]);

    private string[] LabelArguments() => [.. docker.Labels.SelectMany(label => new[] { "--label", $"{label.Key}={label.Value}" })];
}

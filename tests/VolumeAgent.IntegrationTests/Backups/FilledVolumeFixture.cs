using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A labelled volume holding every kind of entry a backup must carry over: nested and empty directories,
/// relative and absolute symlinks, files of other owners and tight modes, names with spaces and non-ASCII
/// letters, a cache folder to exclude and 100 MB of random bytes; with its own listing, made once per class.
/// </summary>
public sealed class FilledVolumeFixture : IAsyncLifetime
{
    public const string LargeFile = "dir one/random 100m.bin";

    private const string FillScript = """
        set -e
        cd /data
        mkdir -p "dir one/nested/deeper" "é/日本語" empty cache/sub private
        printf 'hello\n' > "dir one/nested/deeper/file.txt"
        printf 'unicode names\n' > "é/日本語/名前 with space.txt"
        printf 'café\n' > "é/résumé.txt"
        ln -s "dir one/nested" relative-link
        ln -s ../../é "dir one/nested/up-link"
        ln -s /etc/hostname absolute-link
        printf 'owned by 999\n' > owned-999
        chown 999:999 owned-999
        chmod 0640 owned-999
        printf 'root only\n' > private/root-0600
        chmod 0600 private/root-0600
        chown 999:998 private
        chmod 0750 private
        : > empty-file
        printf 'cached\n' > cache/c1
        printf 'cached too\n' > cache/sub/c2
        head -c 104857600 /dev/urandom > "dir one/random 100m.bin"
        """;

    private static readonly TimeSpan SetupTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private TestScope? _scope;

    public FilledVolumeFixture(DockerFixture docker) => _docker = docker;

    public string Volume { get; private set; } = string.Empty;

    /// <summary>The volume's tree as listed inside a container (paths start with "./").</summary>
    internal IReadOnlyDictionary<string, TreeEntry> Listing { get; private set; } = new Dictionary<string, TreeEntry>();

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(SetupTimeout);
        _scope = _docker.CreateScope();
        Volume = await _scope.CreateVolumeAsync("tree", cts.Token);
        var fill = await _scope.RunToCompletionAsync(
            new CreateContainerParameters
            {
                Image = TestImages.Helper,
                Cmd = ["sh", "-c", FillScript],
                Labels = _docker.LabelsWith(),
                HostConfig = new HostConfig
                {
                    NetworkMode = "none",
                    LogConfig = new LogConfig { Type = "none" },
                    Mounts = [new Mount { Type = "volume", Source = Volume, Target = "/data" }],
                },
            },
            cts.Token);
        if (fill.ExitCode != 0)
        {
            throw new InvalidOperationException($"Filling volume {Volume} failed ({fill.ExitCode}): {fill.Stderr}");
        }

        Listing = await TreeListing.OfVolumeAsync(_scope, Volume, cts.Token);
    }

    public async Task DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync();
        }
    }
}

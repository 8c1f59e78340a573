using System.Globalization;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Daemon;

/// <summary>
/// An agent container started with `docker run` (labelled with the test run's labels, so the Docker fixture's
/// sweep finds it after a crash), removed with its anonymous state volume on dispose.
/// </summary>
internal sealed class AgentContainer : IAsyncDisposable
{
    private AgentContainer(string name, string directory)
    {
        Name = name;
        Directory = directory;
    }

    public string Name { get; }

    /// <summary>A temporary host folder with backup.yml and backups/.</summary>
    public string Directory { get; }

    public string BackupDirectory => Path.Combine(Directory, "backups");

    /// <summary>Writes backup.yml into a fresh folder and runs the image with it; returns before the daemon is ready.</summary>
    public static async Task<AgentContainer> StartAsync(
        DockerFixture fixture, string backupYml, CancellationToken cancellationToken, bool detach = true, params string[] extraArguments)
    {
        var name = fixture.UniqueName("agent");
        var directory = TestFolders.Create("container");
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "backups"));
        await File.WriteAllTextAsync(Path.Combine(directory, "backup.yml"), backupYml, cancellationToken);
        var container = new AgentContainer(name, directory);
        var arguments = new List<string> { "run", "--name", name };
        if (detach)
        {
            arguments.Add("-d");
        }

        foreach (var (key, value) in fixture.Labels)
        {
            arguments.AddRange(["--label", string.Create(CultureInfo.InvariantCulture, $"{key}={value}")]);
        }

        arguments.AddRange(
        [
            "-v", "/var/run/docker.sock:/var/run/docker.sock",
            "-v", $"{Path.Combine(directory, "backup.yml")}:/etc/volume-agent/backup.yml:ro",
            "-v", $"{Path.Combine(directory, "backups")}:/backups",
            .. extraArguments,
            AgentImage.Tag,
        ]);
        container.Started = await CommandLine.DockerAsync(cancellationToken, [.. arguments]);
        return container;
    }

    /// <summary>What `docker run` printed and returned (the daemon's whole output when not detached).</summary>
    public ProcessResult Started { get; private set; } = new(0, string.Empty, string.Empty, TimeSpan.Zero);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await CommandLine.DockerAsync(timeout.Token, "rm", "-f", "-v", Name);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A later test process removes it (TestFolders).
        }
    }
}

using System.Diagnostics;
using Docker.DotNet.Models;
using VolumeAgent.IntegrationTests.Daemon;
using VolumeAgent.IntegrationTests.Fixtures.Client;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// A container whose process sits in uninterruptible sleep (state D) for about the time asked: dd reads a loop device
/// with O_DIRECT under the engine's read limit (<c>--device-read-bps</c>) of 4 KiB/s. The kernel's freezer cannot stop
/// a process in that state, so `docker pause` of the container is refused ("unable to freeze") until the read is
/// done, as it is for a database or SFTP server whose disk is slow. Removed, and its loop device detached, on dispose.
/// </summary>
internal sealed class DiskWaitContainer : IAsyncDisposable
{
    private const int BytesPerSecond = 4096;
    private readonly TestScope _scope;
    private readonly string _folder;
    private readonly string _device;

    private DiskWaitContainer(TestScope scope, string folder, string device, string name)
    {
        _scope = scope;
        _folder = folder;
        _device = device;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Starts it and returns once its reader is in state D.</summary>
    public static async Task<DiskWaitContainer> StartAsync(TestScope scope, TimeSpan wait, CancellationToken cancellationToken)
    {
        var folder = TestFolders.Create("loop");
        var file = Path.Combine(folder, "disk.img");
        await using (var image = File.Create(file))
        {
            image.SetLength(1 << 20);
        }

        string device;
        try
        {
            device = await LoopDevices.AttachAsync(file, cancellationToken);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }

        var container = new DiskWaitContainer(scope, folder, device, scope.Fixture.UniqueName("diskwait"));
        try
        {
            var bytes = (int)Math.Ceiling(wait.TotalSeconds) * BytesPerSecond;
            await scope.RunContainerAsync(
                new CreateContainerParameters
                {
                    Image = TestImages.Helper,
                    Entrypoint = ["sh", "-c"],
                    Cmd = [$"dd if=/dev/held of=/dev/null bs={bytes} count=1 iflag=direct; exec sleep 3600"],
                    Labels = scope.Fixture.LabelsWith(),
                    HostConfig = new HostConfig
                    {
                        NetworkMode = "none",
                        Devices = [new DeviceMapping { PathOnHost = device, PathInContainer = "/dev/held", CgroupPermissions = "r" }],
                        BlkioDeviceReadBps = [new ThrottleDevice { Path = device, Rate = BytesPerSecond }],
                    },
                },
                cancellationToken,
                container.Name);
            await container.UntilAsync("its dd to be in state D", reading => reading == "D", TimeSpan.FromSeconds(20), cancellationToken);
            return container;
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until the read is done (dd has ended).</summary>
    public Task WhenReadDoneAsync(TimeSpan bound, CancellationToken cancellationToken) =>
        UntilAsync("its dd to end", reading => reading is null, bound, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await _scope.Client.RemoveContainerForcedAsync(Name, bound.Token);
        }
        finally
        {
            await LoopDevices.DetachAsync(_device);
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The state letter of dd as `docker top` shows it (null once dd is gone) must satisfy <paramref name="done"/>.</summary>
    private async Task UntilAsync(string what, Func<string?, bool> done, TimeSpan bound, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var top = await CommandLine.DockerOkAsync(cancellationToken, "top", Name, "-o", "pid,stat,comm");
            var dd = CommandLine.Lines(top).Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .FirstOrDefault(fields => fields.Length == 3 && fields[2] == "dd");
            if (done(dd?[1][..1]))
            {
                return;
            }

            if (clock.Elapsed > bound)
            {
                throw new TimeoutException($"Waited {bound.TotalSeconds:0} s for {what} in container {Name}; `docker top` shows:\n{top}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}

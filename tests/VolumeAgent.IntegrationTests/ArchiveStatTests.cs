using System.Formats.Tar;
using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>The archive API's HEAD (<c>StatPathAsync</c>): what is at a path in a container, without reading it.</summary>
[Collection(DockerTests.Name)]
public sealed class ArchiveStatTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(2);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ArchiveStatTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    private IContainerOperations Containers => _docker.Engine.Containers;

    [Fact]
    public async Task StatPathAsync_FileDirectoryAndMissingPath_DescribesEachAsTheEngineSeesIt()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.StartSleeperAsync(cts.Token);
        using (var tar = new MemoryStream())
        {
            await using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
            {
                await writer.WriteEntryAsync(new UstarTarEntry(TarEntryType.Directory, "stat-dir/") { Mode = (UnixFileMode)Convert.ToInt32("755", 8) }, cts.Token);
                await writer.WriteEntryAsync(
                    new UstarTarEntry(TarEntryType.RegularFile, "stat-dir/hello.txt")
                    {
                        Mode = (UnixFileMode)Convert.ToInt32("640", 8),
                        DataStream = new MemoryStream(Encoding.UTF8.GetBytes("hello")),
                    },
                    cts.Token);
            }

            tar.Position = 0;
            await Containers.PutArchiveAsync(id, "/tmp", tar, cts.Token);
        }

        var file = await Containers.StatPathAsync(id, "/tmp/stat-dir/hello.txt", cts.Token);
        var directory = await Containers.StatPathAsync(id, "/tmp/stat-dir", cts.Token);
        var missing = await Containers.StatPathAsync(id, "/tmp/no-such-path", cts.Token);

        file.Should().NotBeNull();
        file!.Name.Should().Be("hello.txt");
        file.Size.Should().Be(5);
        file.IsDirectory.Should().BeFalse();
        (file.Mode & 0x1FF).Should().Be(Convert.ToUInt32("640", 8));
        directory.Should().NotBeNull();
        directory!.IsDirectory.Should().BeTrue();
        missing.Should().BeNull();
    }
}

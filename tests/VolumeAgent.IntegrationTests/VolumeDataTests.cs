using System.Formats.Tar;
using System.IO.Pipelines;
using System.Text;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.IntegrationTests.Fixtures;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests;

/// <summary>
/// A volume's contents leaving and entering the engine the ways a backup and a restore move them: a helper's
/// tar on its attached stdout, the archive API, and tar streams put back in.
/// </summary>
[Collection(DockerTests.Name)]
public sealed class VolumeDataTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(3);
    private static readonly UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private static readonly UnixFileMode ConfigMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>Fills /data with text, an empty file, a few MB of random bytes, odd sizes, spaces and a symlink.</summary>
    private const string WriterScript = """
        set -e
        mkdir -p /data/docs /data/bin/nested "/data/with space"
        printf 'hello\n' > /data/docs/hello.txt
        : > /data/docs/empty
        head -c 3145728 /dev/urandom > /data/bin/random-3m.bin
        head -c 1048577 /dev/urandom > /data/bin/nested/odd-size.bin
        head -c 70000 /dev/urandom | base64 > "/data/with space/file name.txt"
        ln -s ../docs/hello.txt /data/bin/link-to-hello
        cd /data
        find . -type f -exec sha256sum {} +
        """;

    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public VolumeDataTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    private IContainerOperations Containers => _docker.Engine.Containers;

    [Fact]
    public async Task VolumeWrittenByHelper_ReadBackThroughAttachedTarAndArchiveApi_SameFilesAndHashes()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var volume = await scope.CreateVolumeAsync("data", cts.Token);
        var written = await scope.RunToCompletionAsync(HelperRequest(volume, readOnly: false, "sh", "-c", WriterScript), cts.Token);
        written.ExitCode.Should().Be(0, written.Stderr);
        var expected = ParseSha256Sums(written.Stdout);
        expected.Should().HaveCount(5).And.ContainKey("bin/random-3m.bin");

        // (a) A helper's stdout, attached before start; log driver none keeps the stream off the disk.
        var readerId = await scope.CreateContainerAsync(HelperRequest(volume, readOnly: true, "tar", "cf", "-", "-C", "/data", "."), cts.Token);
        TarContents viaAttach;
        await using (var attach = await Containers.AttachAsync(readerId, stdin: false, cts.Token))
        {
            await Containers.StartAsync(readerId, cts.Token);
            viaAttach = await ReadTarAsync(attach.Stdout, stripFirstComponent: false, cts.Token);
            await attach.DrainAsync(cts.Token);
            attach.Stderr.ToString().Should().BeEmpty();
        }

        var exit = await Containers.WaitAsync(readerId, cts.Token);

        // (b) The engine's own archive of the same path (the reader has exited; the archive API does not care).
        TarContents viaArchive;
        await using (var archive = await Containers.GetArchiveAsync(readerId, "/data", cts.Token))
        {
            viaArchive = await ReadTarAsync(archive, stripFirstComponent: true, cts.Token);
        }

        exit.StatusCode.Should().Be(0);
        viaAttach.Files.Should().Equal(expected);
        viaArchive.Files.Should().Equal(expected);
        viaAttach.Links.Should().Contain("bin/link-to-hello", "../docs/hello.txt");
        viaArchive.Links.Should().Contain("bin/link-to-hello", "../docs/hello.txt");
        viaAttach.Directories.Should().Contain(["docs", "bin/nested", "with space"]);
        viaArchive.Directories.Should().Contain(["docs", "bin/nested", "with space"]);
    }

    [Fact]
    public async Task PutArchiveAsync_StreamedTarFromTarWriter_ExtractedWithContentsModesAndOwners()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var volume = await scope.CreateVolumeAsync("put", cts.Token);
        var targetId = await scope.CreateContainerAsync(HelperRequest(volume, readOnly: false, "true"), cts.Token);
        var files = SampleFiles(seed: 1);

        // The tar is written into a pipe while the request reads it: never whole in memory, length unknown.
        var pipe = new Pipe();
        var producer = WriteTarAsync(pipe.Writer.AsStream(), files, cts.Token);
        await using (var tar = pipe.Reader.AsStream())
        {
            await Containers.PutArchiveAsync(targetId, "/data", tar, cts.Token);
        }

        await producer;

        TarContents readBack;
        await using (var archive = await Containers.GetArchiveAsync(targetId, "/data/restored", cts.Token))
        {
            readBack = await ReadTarAsync(archive, stripFirstComponent: true, cts.Token);
        }

        var inside = await scope.RunToCompletionAsync(
            HelperRequest(volume, readOnly: true, "sh", "-c", "cd /data/restored && stat -c '%a %u %g %n' . config.json blob.bin && sha256sum config.json blob.bin"),
            cts.Token);

        readBack.Files.Should().Equal(files.ToDictionary(f => f.Key, f => Sha256.Of(f.Value)));
        readBack.Modes.Should().Contain("config.json", ConfigMode);
        readBack.Links.Should().Contain("latest", "blob.bin");
        inside.ExitCode.Should().Be(0, inside.Stderr);
        var lines = inside.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().Contain(["750 1000 1000 .", "640 1000 1000 config.json", "640 1000 1000 blob.bin"]);
        ParseSha256Sums(string.Join('\n', lines.Skip(3))).Should().Equal(readBack.Files);
    }

    [Fact]
    public async Task AttachWithStdin_TarStreamedIntoExtractingHelper_VolumeHoldsTheFiles()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var volume = await scope.CreateVolumeAsync("restore", cts.Token);
        var files = SampleFiles(seed: 2);
        var request = HelperRequest(volume, readOnly: false, "tar", "xf", "-", "-C", "/data");
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest
            {
                Image = request.Image,
                Cmd = request.Cmd,
                Labels = request.Labels,
                HostConfig = request.HostConfig,
                AttachStdin = true,
                OpenStdin = true,
                StdinOnce = true,
            },
            cts.Token);

        await using (var attach = await Containers.AttachAsync(id, stdin: true, cts.Token))
        {
            await Containers.StartAsync(id, cts.Token);
            await WriteTarAsync(attach.Stdin, files, cts.Token, leaveOpen: true);
            attach.CloseStdin();
            await attach.DrainAsync(cts.Token);
            attach.Stderr.ToString().Should().BeEmpty();
        }

        var exit = await Containers.WaitAsync(id, cts.Token);
        TarContents readBack;
        await using (var archive = await Containers.GetArchiveAsync(id, "/data/restored", cts.Token))
        {
            readBack = await ReadTarAsync(archive, stripFirstComponent: true, cts.Token);
        }

        exit.StatusCode.Should().Be(0);
        readBack.Files.Should().Equal(files.ToDictionary(f => f.Key, f => Sha256.Of(f.Value)));
    }

    [Fact]
    public async Task GetArchiveAsync_PathMissingInContainer_ThrowsNotFoundNamingThePath()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);

        var thrown = await Containers.Invoking(c => c.GetArchiveAsync(id, "/no/such/path", cts.Token)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Message.Should().Contain("/no/such/path");
    }

    [Fact]
    public async Task PutArchiveAsync_TargetDirectoryMissing_ThrowsNotFoundNamingThePath()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var scope = _docker.CreateScope(_output);
        var id = await scope.CreateContainerAsync(
            new ContainerCreateRequest { Image = TestImages.Helper, Cmd = ["true"], Labels = _docker.LabelsWith() }, cts.Token);
        using var tar = new MemoryStream();
        await WriteTarAsync(tar, SampleFiles(seed: 3), cts.Token, leaveOpen: true);
        tar.Position = 0;

        var thrown = await Containers.Invoking(c => c.PutArchiveAsync(id, "/no/such/dir", tar, cts.Token)).Should().ThrowAsync<DockerApiException>();

        thrown.Which.IsNotFound.Should().BeTrue();
        thrown.Which.Message.Should().Contain("/no/such/dir");
    }

    private ContainerCreateRequest HelperRequest(string volume, bool readOnly, params string[] command) => new()
    {
        Image = TestImages.Helper,
        Cmd = command,
        Labels = _docker.LabelsWith(),
        HostConfig = new HostConfig
        {
            Mounts = [new MountSpec { Type = "volume", Source = volume, Target = "/data", ReadOnly = readOnly }],
            NetworkMode = "none",
            LogConfig = new LogConfig { Type = "none" },
        },
    };

    /// <summary>restored/{config.json, blob.bin (2 MiB + 1), latest -> blob.bin}, deterministic per seed.</summary>
    private static Dictionary<string, byte[]> SampleFiles(int seed)
    {
#pragma warning disable CA5394 // Test data, not security: a seeded generator makes failures reproducible.
        var random = new Random(seed);
        var blob = new byte[(2 * 1024 * 1024) + 1];
        random.NextBytes(blob);
#pragma warning restore CA5394
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["config.json"] = Encoding.UTF8.GetBytes($$"""{"seed": {{seed}}, "name": "restored"}"""),
            ["blob.bin"] = blob,
        };
    }

    private static async Task WriteTarAsync(Stream destination, Dictionary<string, byte[]> files, CancellationToken cancellationToken, bool leaveOpen = false)
    {
        await using (var writer = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(
                new PaxTarEntry(TarEntryType.Directory, "restored/") { Mode = DirectoryMode, Uid = 1000, Gid = 1000 }, cancellationToken);
            foreach (var (name, content) in files)
            {
                await using var data = new MemoryStream(content, writable: false);
                await writer.WriteEntryAsync(
                    new PaxTarEntry(TarEntryType.RegularFile, $"restored/{name}") { Mode = ConfigMode, Uid = 1000, Gid = 1000, DataStream = data },
                    cancellationToken);
            }

            await writer.WriteEntryAsync(
                new PaxTarEntry(TarEntryType.SymbolicLink, "restored/latest") { LinkName = "blob.bin", Uid = 1000, Gid = 1000 }, cancellationToken);
        }

        if (!leaveOpen)
        {
            await destination.DisposeAsync();
        }
    }

    /// <summary>Hashes every regular file of a tar stream as it passes; paths relative, "./" and (optionally) the first component dropped.</summary>
    private static async Task<TarContents> ReadTarAsync(Stream tar, bool stripFirstComponent, CancellationToken cancellationToken)
    {
        var contents = new TarContents();
        await using var reader = new TarReader(tar, leaveOpen: true);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (stripFirstComponent)
            {
                var slash = name.IndexOf('/', StringComparison.Ordinal);
                name = slash < 0 ? string.Empty : name[(slash + 1)..];
            }

            name = name.TrimEnd('/');
            if (name.Length == 0)
            {
                continue;
            }

            contents.Modes[name] = entry.Mode;
            switch (entry.EntryType)
            {
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                    contents.Files[name] = entry.DataStream is null
                        ? Sha256.Of([])
                        : (await Sha256.OfStreamAsync(entry.DataStream, cancellationToken)).Hex;
                    break;
                case TarEntryType.SymbolicLink:
                    contents.Links[name] = entry.LinkName;
                    break;
                case TarEntryType.Directory:
                    contents.Directories.Add(name);
                    break;
                default:
                    break;
            }
        }

        return contents;
    }

    /// <summary>sha256sum output ("HASH  ./path") as path → hash.</summary>
    private static Dictionary<string, string> ParseSha256Sums(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split("  ", 2))
            .ToDictionary(parts => parts[1].StartsWith("./", StringComparison.Ordinal) ? parts[1][2..] : parts[1], parts => parts[0], StringComparer.Ordinal);

    private sealed class TarContents
    {
        public SortedDictionary<string, string> Files { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, UnixFileMode> Modes { get; } = new(StringComparer.Ordinal);

        public List<string> Directories { get; } = [];
    }
}

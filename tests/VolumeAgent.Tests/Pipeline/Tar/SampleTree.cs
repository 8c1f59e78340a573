using System.Security.Cryptography;

namespace VolumeAgent.Tests.Pipeline.Tar;

/// <summary>
/// A directory tree with what real volumes hold: nesting, an empty directory, a symlink, a hard link, names
/// with spaces and non-ASCII characters, a path over 150 characters, and files meant to be excluded.
/// </summary>
internal sealed class SampleTree : IDisposable
{
    public static readonly string LongPath =
        "long-" + new string('d', 60) + "/" + new string('e', 50) + "/" + "file-with-a-name-longer-than-one-hundred-characters-" + new string('f', 50) + ".txt";

    public static readonly string[] ExcludePatterns = ["cache/*", "*.tmp", "logs/**"];

    public static readonly string[] ExcludedPaths =
        ["cache/blob.bin", "cache/sub", "cache/sub/more.bin", "top.tmp", "a/b/scratch.tmp", "logs/app.log", "logs/old", "logs/old/1.log"];

    private readonly TempDirectory _temp = new();

    private SampleTree()
    {
        Root = Path.Combine(_temp.Path, "tree");
    }

    public string Root { get; }

    public string WorkDirectory => _temp.Path;

    public static async Task<SampleTree> CreateAsync()
    {
        var tree = new SampleTree();
        await tree.BuildAsync();
        return tree;
    }

    public string FullPath(string relative) => Path.Combine(Root, relative);

    public string Sha256Of(string relative) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(FullPath(relative))));

    public async Task<string> ArchiveAsync(string producer, string name)
    {
        var archive = Path.Combine(WorkDirectory, name);
        string[] command = producer switch
        {
            "gnu" => ["/usr/bin/tar", "-C", Root, "-cf", archive, "."],
            "gnu-pax" => ["/usr/bin/tar", "--format=pax", "-C", Root, "-cf", archive, "."],
            "busybox" => ["/usr/bin/busybox", "tar", "-C", Root, "-cf", archive, "."],
            _ => throw new ArgumentOutOfRangeException(nameof(producer), producer, "Unknown tar producer."),
        };
        await HostTool.RunCheckedAsync(command[0], command[1..]);
        return archive;
    }

    public Task ChmodAsync(string mode, string relative) => HostTool.RunCheckedAsync("/usr/bin/chmod", [mode, FullPath(relative)]);

    public void Dispose() => _temp.Dispose();

    private async Task BuildAsync()
    {
        Directory.CreateDirectory(FullPath("a/b/c"));
        Directory.CreateDirectory(FullPath("empty"));
        Directory.CreateDirectory(FullPath("with space"));
        Directory.CreateDirectory(FullPath("cache/sub"));
        Directory.CreateDirectory(FullPath("logs/old"));
        Directory.CreateDirectory(Path.GetDirectoryName(FullPath(LongPath))!);

        await File.WriteAllTextAsync(FullPath("a/b/c/deep.txt"), "deep content\n");
        await File.WriteAllBytesAsync(FullPath("a/big.bin"), GeneratedDataStream.ToArray(1_234_567, DataProfile.Mixed));
        await File.WriteAllTextAsync(FullPath("a/b/secret.conf"), "mode 0640\n");
        await ChmodAsync("640", "a/b/secret.conf");
        await File.WriteAllTextAsync(FullPath("a/run.sh"), "#!/bin/sh\necho hi\n");
        await ChmodAsync("755", "a/run.sh");
        await File.WriteAllTextAsync(FullPath("with space/é 日本.txt"), "non-ASCII name\n");
        await File.WriteAllTextAsync(FullPath(LongPath), "long path\n");
        await File.WriteAllTextAsync(FullPath("a/empty-file"), string.Empty);
        await File.WriteAllTextAsync(FullPath("cache/blob.bin"), "cached\n");
        await File.WriteAllTextAsync(FullPath("cache/sub/more.bin"), "cached too\n");
        await File.WriteAllTextAsync(FullPath("top.tmp"), "temporary\n");
        await File.WriteAllTextAsync(FullPath("a/b/scratch.tmp"), "temporary\n");
        await File.WriteAllTextAsync(FullPath("logs/app.log"), "log line\n");
        await File.WriteAllTextAsync(FullPath("logs/old/1.log"), "old log line\n");
        File.CreateSymbolicLink(FullPath("a/link"), "b/c/deep.txt");
        await HostTool.RunCheckedAsync("/usr/bin/ln", [FullPath("a/b/c/deep.txt"), FullPath("a/hard")]);
    }
}

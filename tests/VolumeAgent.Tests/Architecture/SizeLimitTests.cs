namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// Rooms that show the architecture: no source file under <c>agent/</c> longer than <see cref="MaxLines"/> lines,
/// and no folder holding more than <see cref="MaxFilesPerFolder"/> .cs files directly (put them in sub-folders
/// that name their parts, with namespaces that follow the folders).
/// </summary>
public sealed class SizeLimitTests : IDisposable
{
    private const int MaxLines = 300;
    private const int MaxFilesPerFolder = 20;

    /// <summary>
    /// Files being split right now; each entry goes once its file is at or under the limit. The list is meant
    /// to be empty: do not add to it, split the file.
    /// </summary>
    private static readonly HashSet<string> FilesBeingSplit = new(StringComparer.Ordinal)
    {
    };

    /// <summary>
    /// Folders being organised into sub-folders right now; each entry goes once the folder holds at most
    /// <see cref="MaxFilesPerFolder"/> files. The list is meant to be empty: do not add to it.
    /// </summary>
    private static readonly HashSet<string> FoldersBeingSplit = new(StringComparer.Ordinal)
    {
    };

    private static readonly string AgentDirectory = Path.Combine(RepositoryRoot(), "agent");

    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "size-limits-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Agent_HasNoFileOrFolderOverTheLimits()
    {
        var offenders = Offenders(AgentDirectory, FilesBeingSplit, FoldersBeingSplit);

        offenders.Should().BeEmpty(
            $"no file under agent/ may be longer than {MaxLines} lines and no folder may hold more than {MaxFilesPerFolder} .cs files "
            + "(split the file at a real seam; give the folder sub-folders that name its parts)");
    }

    [Fact]
    public void Offenders_NamesEachLongFileAndFullFolderWithItsCount()
    {
        Write("Big/Long.cs", MaxLines + 1);
        Write("Big/Short.cs", MaxLines);
        for (var i = 0; i < MaxFilesPerFolder + 1; i++)
        {
            Write($"Full/F{i}.cs", 1);
        }

        for (var i = 0; i < MaxFilesPerFolder; i++)
        {
            Write($"Roomy/Part/F{i}.cs", 1);
            Write($"Roomy/F{i}.cs", 1);
        }

        Write("obj/Release/Generated.cs", MaxLines + 50);

        Offenders(_scratch, [], []).Should().BeEquivalentTo(
            $"Big/Long.cs: {MaxLines + 1} lines",
            $"Full/: {MaxFilesPerFolder + 1} .cs files");
    }

    [Fact]
    public void Offenders_SkipsWhatIsBeingSplit()
    {
        Write("Big/Long.cs", MaxLines + 1);
        for (var i = 0; i < MaxFilesPerFolder + 1; i++)
        {
            Write($"Full/F{i}.cs", 1);
        }

        Offenders(_scratch, ["Big/Long.cs"], ["Full"]).Should().BeEmpty();
    }

    public void Dispose()
    {
        if (Directory.Exists(_scratch))
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }

    /// <summary>"path: N lines" per long file and "folder/: N .cs files" per full folder, paths relative to <paramref name="root"/>.</summary>
    private static List<string> Offenders(string root, HashSet<string> filesBeingSplit, HashSet<string> foldersBeingSplit)
    {
        var offenders = new List<string>();
        foreach (var folder in SourceFolders(root))
        {
            var relativeFolder = Relative(root, folder);
            var files = Directory.GetFiles(folder, "*.cs");
            if (files.Length > MaxFilesPerFolder && !foldersBeingSplit.Contains(relativeFolder))
            {
                offenders.Add($"{relativeFolder}/: {files.Length} .cs files");
            }

            foreach (var file in files)
            {
                var lines = File.ReadLines(file).Count();
                var relativeFile = Relative(root, file);
                if (lines > MaxLines && !filesBeingSplit.Contains(relativeFile))
                {
                    offenders.Add($"{relativeFile}: {lines} lines");
                }
            }
        }

        return offenders;
    }

    /// <summary><paramref name="root"/> and every folder below it except build output (bin/, obj/).</summary>
    private static IEnumerable<string> SourceFolders(string root)
    {
        yield return root;
        foreach (var child in Directory.GetDirectories(root))
        {
            if (Path.GetFileName(child) is "bin" or "obj")
            {
                continue;
            }

            foreach (var folder in SourceFolders(child))
            {
                yield return folder;
            }
        }
    }

    private static string Relative(string root, string path) =>
        Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VolumeAgent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds VolumeAgent.sln.");
    }

    private void Write(string relativePath, int lines)
    {
        var path = Path.Combine(_scratch, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, Enumerable.Range(1, lines).Select(i => $"// line {i}"));
    }
}

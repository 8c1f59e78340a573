namespace VolumeAgent.Tests.Architecture;

/// <summary>The agent's C# files, read line by line, for tests that check what code may name.</summary>
internal static class AgentSourceFiles
{
    public static string AgentDirectory { get; } = Path.Combine(FindRepositoryRoot(), "agent");

    /// <summary>Every line of every .cs file under agent/ (bin and obj left out), with its path relative to agent/.</summary>
    public static IEnumerable<(string File, int Number, string Line)> Lines() =>
        Directory.EnumerateFiles(AgentDirectory, "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(AgentDirectory, file).Replace('\\', '/'))
            .Where(file => !file.StartsWith("bin/", StringComparison.Ordinal) && !file.StartsWith("obj/", StringComparison.Ordinal))
            .SelectMany(file => File.ReadLines(Path.Combine(AgentDirectory, file)).Select((line, i) => (file, i + 1, line)));

    private static string FindRepositoryRoot()
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
}

using System.Text.RegularExpressions;
using VolumeAgent.Policy;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// A storage type lives in its own folder, <c>agent/Storage/&lt;Type&gt;/</c>, and is named elsewhere only by the
/// registration line in <c>Storage/StorageRegistry.cs</c>: runs, policy reading, validate, restore and listing reach it
/// through <see cref="IStorageProvider"/> and <see cref="IObjectStore"/>, so adding a storage touches nothing else.
/// </summary>
public sealed partial class StorageTypeTests
{
    private static readonly string AgentDirectory = Path.Combine(RepositoryRoot.Find(), "agent");

    private static readonly string StorageDirectory = Path.Combine(AgentDirectory, "Storage");

    private static readonly string RegistryFile = Path.Combine(StorageDirectory, "StorageRegistry.cs");

    /// <summary>Every class that is a storage type: its provider, its byte operations and uploads, its options record.</summary>
    private static readonly IReadOnlyList<Type> ConcreteStorageTypes =
    [
        .. typeof(IObjectStore).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && !t.IsNested)
            .Where(t => typeof(IStorageProvider).IsAssignableFrom(t) || typeof(IObjectStore).IsAssignableFrom(t)
                || typeof(IObjectUpload).IsAssignableFrom(t) || typeof(StorageOptions).IsAssignableFrom(t))
            .Where(t => t.Namespace != "VolumeAgent.Manifest.Sets"),
    ];

    [Fact]
    public void ConcreteStorageTypes_AreFoundForEveryRegisteredStorage()
    {
        ConcreteStorageTypes.Select(t => t.Name).Should().Contain(["LocalDirectoryStore", "LocalUpload", "LocalStorageProvider", "LocalStorageOptions", "S3StorageProvider"]);
        StorageRegistry.Providers.Select(p => p.TypeName).Should().Equal("local", "s3", "sftp", "restic");
    }

    [Fact]
    public void ConcreteStorageTypes_EachLiveInAFolderOfItsOwnUnderStorage()
    {
        ConcreteStorageTypes.Where(t => t.Namespace is not { } ns || !StorageTypeNamespace().IsMatch(ns))
            .Select(t => t.FullName)
            .Should().BeEmpty("a storage type's classes go in agent/Storage/<Type>/ (namespace VolumeAgent.Storage.<Type>)");
    }

    [Fact]
    public void CodeOutsideTheStorageFolders_NeverNamesAConcreteStorageType()
    {
        var names = ConcreteStorageTypes.Select(t => t.Name).ToList();
        var pattern = new Regex(@"\b(" + string.Join('|', names.Select(Regex.Escape)) + @")\b", RegexOptions.CultureInvariant);
        var offenders = Directory.EnumerateFiles(AgentDirectory, "*.cs", SearchOption.AllDirectories)
            .Where(file => !IsInAStorageTypeFolder(file) && file != RegistryFile && !IsBuildOutput(file))
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, number: i + 1)))
            .Where(l => !IsComment(l.line) && pattern.IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(AgentDirectory, l.file)}:{l.number}: {l.line.Trim()}")
            .ToList();

        offenders.Should().BeEmpty("only agent/Storage/<Type>/ and the registration line in Storage/StorageRegistry.cs may name a storage type; use StorageRegistry and IStorageProvider");
    }

    [Fact]
    public void IsInAStorageTypeFolder_MeansASubFolderOfStorage()
    {
        IsInAStorageTypeFolder(Path.Combine(StorageDirectory, "Local", "LocalDirectoryStore.cs")).Should().BeTrue();
        IsInAStorageTypeFolder(Path.Combine(StorageDirectory, "IObjectStore.cs")).Should().BeFalse();
        IsInAStorageTypeFolder(Path.Combine(AgentDirectory, "Runs", "StoreFactory.cs")).Should().BeFalse();
        IsComment("    // a LocalDirectoryStore is made by its provider").Should().BeTrue();
        IsComment("    var store = new LocalDirectoryStore(path);").Should().BeFalse();
    }

    private static bool IsInAStorageTypeFolder(string file)
    {
        var relative = Path.GetRelativePath(StorageDirectory, file);
        return !relative.StartsWith("..", StringComparison.Ordinal) && relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static bool IsBuildOutput(string file)
    {
        var relative = Path.GetRelativePath(AgentDirectory, file).Split(Path.DirectorySeparatorChar);
        return relative[0] is "bin" or "obj";
    }

    private static bool IsComment(string line) => line.TrimStart().StartsWith("//", StringComparison.Ordinal);

    [GeneratedRegex(@"^VolumeAgent\.Storage\.[A-Z][A-Za-z0-9]*$")]
    private static partial Regex StorageTypeNamespace();
}

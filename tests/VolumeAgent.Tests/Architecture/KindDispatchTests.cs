using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using VolumeAgent.Policy;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// A run, a verify, a restore and a drill reach source kinds only through the registry (<c>Sources/SourceKinds</c>): the
/// code that dispatches never names a concrete kind, so a new kind is its own folder plus one registration line.
/// Named means: a type declared in a kind's folder (<c>agent/Sources/&lt;Kind&gt;/</c>), a kind's backup.yml key or a
/// manifest source kind or format as a string literal, or an identifier with a kind's name in it (<c>PostgresTarget</c>,
/// <c>ManifestSourceKind.Mysql</c>, <c>postgres:</c>). Comments may name kinds.
/// </summary>
public sealed partial class KindDispatchTests
{
    private static readonly string AgentDirectory = Path.Combine(FindRepositoryRoot(), "agent");

    /// <summary>The dispatching code: a run's phases, and everything under Restore/ (verification, restore, drill).</summary>
    private static readonly string[] Dispatchers = ["Runs/JobRunner.cs", "Restore"];

    /// <summary>
    /// Identifiers that contain a kind's word without meaning the kind: the product's namespace, restore's --to-volume
    /// (a target volume for any tree-shaped artifact), and System.IO's <c>Path</c>.
    /// </summary>
    private static readonly HashSet<string> GenericIdentifiers = new(StringComparer.Ordinal) { "VolumeAgent", "ToVolume", "Path" };

    [Fact]
    public void Dispatchers_NeverNameAConcreteSourceKind()
    {
        var offenders = DispatcherFiles()
            .SelectMany(file => Offences(File.ReadAllText(file)).Select(o => $"{Path.GetRelativePath(AgentDirectory, file)}:{o}"))
            .ToList();

        offenders.Should().BeEmpty(
            "JobRunner, verification, restore and drill find a source kind through Sources/SourceKinds (ISourceKind: Phase, Verifier, StartRestore, "
            + "TraitsOf, Drill); move kind-specific code into the kind's folder under agent/Sources/");
    }

    [Fact]
    public void Offences_FindTheWaysCodeNamesAKind()
    {
        Offences("var files = sources.Where(s => s.Source.Kind is ManifestSourceKind.Volume or ManifestSourceKind.Path);").Should().NotBeEmpty();
        Offences("server = postgres ? await ScratchDatabase.StartPostgresAsync(context) : null;").Should().NotBeEmpty();
        Offences("if (artifact.Format == ManifestArtifactFormat.PgCustom)").Should().NotBeEmpty();
        Offences("if (artifact.SourceKind.Name == \"globals\")").Should().NotBeEmpty();
        Offences("var target = (MysqlTarget)step;").Should().NotBeEmpty();
        Offences("await using var session = new PgListers(context, log);").Should().NotBeEmpty("PgListers is declared in the postgres kind's folder");

        Offences("var kind = SourceKinds.Of(artifact.SourceKind); // postgres writes globals too").Should().BeEmpty();
        Offences("throw new RestoreRefusedException($\"--to-volume restores one volume or path artifact ({request.ToVolume})\");").Should().BeEmpty();
        Offences("var file = Path.Combine(directory, \"manifest.json\");").Should().BeEmpty();
    }

    private static IEnumerable<string> DispatcherFiles() =>
        Dispatchers.SelectMany(entry =>
        {
            var path = Path.Combine(AgentDirectory, entry);
            return File.Exists(path) ? [path] : Directory.EnumerateFiles(path, "*.cs", SearchOption.AllDirectories);
        });

    private static IEnumerable<string> Offences(string source)
    {
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var code = Comment().Replace(lines[i], string.Empty);
            foreach (Match literal in StringLiteral().Matches(code))
            {
                if (KindNames.Value.Contains(literal.Groups["text"].Value))
                {
                    yield return $"{i + 1}: \"{literal.Groups["text"].Value}\" in {lines[i].Trim()}";
                }
            }

            // Pipeline/Tar is the byte path's tar reader, which any kind's artifact may be read with.
            foreach (Match identifier in Identifier().Matches(StringLiteral().Replace(code, "\"\"").Replace("VolumeAgent.Pipeline.Tar", string.Empty, StringComparison.Ordinal)))
            {
                var name = identifier.Value;
                if (GenericIdentifiers.Contains(name))
                {
                    continue;
                }

                if (KindTypes.Value.Contains(name) || KindNames.Value.Contains(Snake(name)) || Words(name).Any(KindWords.Value.Contains))
                {
                    yield return $"{i + 1}: {name} in {lines[i].Trim()}";
                }
            }
        }
    }

    /// <summary>An identifier as the manifest would spell it: <c>PgCustom</c> is pg_custom.</summary>
    private static string Snake(string identifier) => string.Join('_', Words(identifier));

    /// <summary>The words of an identifier: <c>StartPostgresAsync</c> is start, postgres, async.</summary>
    private static IEnumerable<string> Words(string identifier) =>
        WordPart().Matches(identifier).Select(m => m.Value.ToLowerInvariant());

    /// <summary>The kinds' backup.yml keys (volume, path, postgres, ...), as words of identifiers.</summary>
    private static readonly Lazy<HashSet<string>> KindWords = new(() =>
        new HashSet<string>(PolicyKeys.SourceKinds.Select(k => k.Key.ToLowerInvariant()), StringComparer.Ordinal));

    /// <summary>The kinds' keys and every manifest source kind and format the agent writes (globals, pg_custom, ...).</summary>
    private static readonly Lazy<HashSet<string>> KindNames = new(() =>
        new HashSet<string>(
            [.. PolicyKeys.SourceKinds.Select(k => k.Key), .. ManifestValues("ManifestSourceKind"), .. ManifestValues("ManifestArtifactFormat")],
            StringComparer.OrdinalIgnoreCase));

    /// <summary>The types declared in kind folders: every folder under agent/Sources except the shared plumbing.</summary>
    private static readonly Lazy<HashSet<string>> KindTypes = new(() =>
        new HashSet<string>(
            Directory.EnumerateDirectories(Path.Combine(AgentDirectory, "Sources"))
                .Where(folder => Path.GetFileName(folder) != "Shared")
                .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
                .SelectMany(file => TypeDeclaration().Matches(File.ReadAllText(file)).Select(m => m.Groups["name"].Value)),
            StringComparer.Ordinal));

    /// <summary>
    /// The manifest's names of a value type, found by reflection: the members of an enum, or every static value of the
    /// type that some kind declares (a string-backed value carries its manifest name in <c>Name</c>).
    /// </summary>
    private static IEnumerable<string> ManifestValues(string typeName)
    {
        var assembly = typeof(PolicyKeys).Assembly;
        var type = assembly.GetType($"VolumeAgent.Storage.{typeName}", throwOnError: true)!;
        if (type.IsEnum)
        {
            return Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName);
        }

        var name = type.GetProperty("Name")!;
        return assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(f => f.FieldType == type && f.IsInitOnly)
            .Select(f => (string)name.GetValue(f.GetValue(null))!)
            .ToList();
    }

    [GeneratedRegex(@"//.*$")]
    private static partial Regex Comment();

    [GeneratedRegex("\"(?<text>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\b[A-Za-z_][A-Za-z0-9_]*\b")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")]
    private static partial Regex WordPart();

    [GeneratedRegex(@"^\s*(?:internal|public)\s+(?:(?:sealed|static|abstract|readonly|partial)\s+)*(?:record\s+struct|record|class|interface|enum|struct)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex TypeDeclaration();

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

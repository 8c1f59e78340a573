using System.Text.RegularExpressions;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// The command line sits on top: <c>Cli/</c> may use every other folder, but the daemon and the run machinery never
/// reach back into it. What both show (tables, job selection, exit codes) lives in <c>Presentation/</c>.
/// </summary>
public sealed partial class LayeringTests
{
    private static readonly string AgentDirectory = Path.Combine(FindRepositoryRoot(), "agent");

    [Theory]
    [InlineData("Control")]
    [InlineData("Operations")]
    [InlineData("Runs")]
    [InlineData("Sources")]
    [InlineData("Restore")]
    [InlineData("Storage")]
    [InlineData("Scheduling")]
    [InlineData("Presentation")]
    public void Folder_NeverNamesTheCommandLine(string folder)
    {
        var offenders = Directory.EnumerateFiles(Path.Combine(AgentDirectory, folder), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => File.ReadLines(file).Select((line, i) => (file, line, number: i + 1)))
            .Where(l => CliReference().IsMatch(l.line))
            .Select(l => $"{Path.GetRelativePath(AgentDirectory, l.file)}:{l.number}: {l.line.Trim()}")
            .ToList();

        offenders.Should().BeEmpty($"agent/{folder} must not depend on agent/Cli (move what both need to agent/Presentation)");
    }

    [Fact]
    public void CliReference_MatchesTheWaysCodeNamesTheFolder()
    {
        CliReference().IsMatch("using VolumeAgent.Cli;").Should().BeTrue();
        CliReference().IsMatch("        return Cli.ExitCodes.Failure;").Should().BeTrue();
        CliReference().IsMatch("await ListCommand.WriteSetsAsync(policy);").Should().BeTrue();
        CliReference().IsMatch("using VolumeAgent.Presentation;").Should().BeFalse();
        CliReference().IsMatch("// the client (Cli) is thin").Should().BeFalse();
    }

    // A using or qualified name of the namespace, or any *Command type of Cli/ (RunNowCommand, ListCommand, ...).
    [GeneratedRegex(@"^(?!\s*//).*(\bVolumeAgent\.Cli\b|\bCli\.[A-Z]|\b[A-Z][A-Za-z]*Command\.[A-Z])")]
    private static partial Regex CliReference();

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

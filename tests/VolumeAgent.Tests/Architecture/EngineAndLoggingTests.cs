using System.Text.RegularExpressions;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// Two seams that keep the code testable and its log lines attributable: everything outside <c>Docker/</c> reaches the
/// engine through <c>IDockerEngine</c> (so a fake stands in for it in unit tests, and the client can be replaced), and
/// every log line goes through an injected logger (so it carries the job and run id and reaches a run-now client).
/// </summary>
public sealed partial class EngineAndLoggingTests
{
    /// <summary>Where the static logger may be touched: the process's entry point and the logging bootstrap.</summary>
    private static readonly string[] StaticLoggerAllowed = ["Program.cs", "Logging.cs"];

    [Fact]
    public void CodeOutsideDocker_NeverNamesTheEngineClient()
    {
        var offenders = AgentSourceFiles.Lines()
            .Where(l => !l.File.StartsWith("Docker/", StringComparison.Ordinal))
            .Where(l => ClientReference().IsMatch(l.Line))
            .Select(l => $"{l.File}:{l.Number}: {l.Line.Trim()}")
            .ToList();

        offenders.Should().BeEmpty(
            "code outside agent/Docker depends on IDockerEngine only; DockerEngine.FromEnvironment is the one place that opens the client");
    }

    [Fact]
    public void NoCodeOutsideTheBootstrap_UsesTheStaticLogger()
    {
        var offenders = AgentSourceFiles.Lines()
            .Where(l => !StaticLoggerAllowed.Contains(l.File))
            .Where(l => StaticLogger().IsMatch(l.Line))
            .Select(l => $"{l.File}:{l.Number}: {l.Line.Trim()}")
            .ToList();

        offenders.Should().BeEmpty(
            "a line written through Serilog's static Log carries no job or run id and never reaches a run-now client: inject the ILogger");
    }

    [Theory]
    [InlineData("    private readonly DockerClient _docker;", true)]
    [InlineData("using VolumeAgent.Docker.Http;", true)]
    [InlineData("await using var client = Docker.Http.DockerClient.FromEnvironment();", true)]
    [InlineData("    private readonly IDockerEngine _docker;", false)]
    [InlineData("// not a DockerClient, an engine", false)]
    public void ClientReference_MatchesTheWaysCodeNamesTheClient(string line, bool matches) =>
        ClientReference().IsMatch(line).Should().Be(matches);

    [Theory]
    [InlineData("            Serilog.Log.Warning(\"{Error}\", ex.Message);", true)]
    [InlineData("        Log.Information(\"x\");", true)]
    [InlineData("        Log.Logger = logger;", true)]
    [InlineData("using static Serilog.Log;", true)]
    [InlineData("            environment.Log.Warning(\"x\");", false)]
    [InlineData("        _context.Log.Warning(\"x\");", false)]
    [InlineData("    public ILogger Log { get; }", false)]
    public void StaticLogger_MatchesTheWaysCodeReachesIt(string line, bool matches) =>
        StaticLogger().IsMatch(line).Should().Be(matches);

    // The concrete client, its namespace, or any of its hand-written parts by name.
    [GeneratedRegex(@"^(?!\s*//).*(\bDockerClient\b|\bVolumeAgent\.Docker\.Http\b|\bDocker\.Http\.)")]
    private static partial Regex ClientReference();

    // Serilog's static Log (not a property or field that happens to be called Log: those follow a dot or a word).
    [GeneratedRegex(@"^(?!\s*//).*((?<![\w.])(Serilog\.)?Log\.(Logger|Information|Warning|Error|Debug|Verbose|Fatal|Write|ForContext|CloseAndFlush)\b|using static Serilog\.Log\b)")]
    private static partial Regex StaticLogger();
}

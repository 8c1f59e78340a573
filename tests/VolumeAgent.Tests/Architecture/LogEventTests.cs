using System.Reflection;
using System.Text.RegularExpressions;
using Serilog.Events;
using VolumeAgent.Tests.Scheduling;

namespace VolumeAgent.Tests.Architecture;

/// <summary>
/// Every log line of the agent names a stable event (<c>LogEvents</c>), so it can be found and counted by id whatever
/// its wording: ids unique, each event used, and no log call without one.
/// </summary>
public sealed partial class LogEventTests
{
    private static readonly IReadOnlyList<(string Field, LogEventId Event)> Events = typeof(LogEvents)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(LogEventId))
        .Select(f => (f.Name, (LogEventId)f.GetValue(null)!))
        .ToList();

    [Fact]
    public void Events_HaveUniqueIdsAndTheNamesOfTheirFields()
    {
        Events.Should().NotBeEmpty();
        Events.Should().OnlyContain(e => e.Event.Name == e.Field);
        Events.GroupBy(e => e.Event.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Field))}")
            .Should().BeEmpty("an id names one event, for good");
    }

    [Fact]
    public void EveryEvent_IsLoggedSomewhere()
    {
        var code = string.Join('\n', AgentSourceFiles.Lines().Where(l => l.File != "LogEvents.cs").Select(l => l.Line));

        Events.Where(e => !code.Contains($"LogEvents.{e.Field})", StringComparison.Ordinal)).Select(e => e.Field)
            .Should().BeEmpty("an event nothing logs is a leftover: remove it (its id stays retired)");
    }

    [Fact]
    public void EveryLogCall_NamesItsEvent()
    {
        var offenders = AgentSourceFiles.Lines()
            .Where(l => LogCall().IsMatch(l.Line) && !l.Line.Contains(".ForEvent(LogEvents.", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Number}: {l.Line.Trim()}")
            .ToList();

        offenders.Should().BeEmpty("each log call names its event: log.ForEvent(LogEvents.X).Warning(...), with X added to LogEvents");
    }

    [Fact]
    public void ForEvent_AddsTheEventIdAsMicrosoftExtensionsLoggingDoes_AndLeavesTheMessageAlone()
    {
        var capture = new LogCapture();

        capture.Logger.ForEvent(LogEvents.RunStarted).Information("Run of job {Job} started", "nightly");

        var logged = capture.Events.Should().ContainSingle().Subject;
        logged.RenderMessage(System.Globalization.CultureInfo.InvariantCulture).Should().Be("Run of job \"nightly\" started");
        var id = logged.Properties[LogEventId.PropertyName].Should().BeOfType<StructureValue>().Subject;
        id.Properties.Select(p => (p.Name, ((ScalarValue)p.Value).Value)).Should().Equal(("Id", (object)1000), ("Name", "RunStarted"));
    }

    // A Serilog call on a logger (a level method called directly, not MinimumLevel.Information() in configuration).
    [GeneratedRegex(@"^(?!\s*//)(?!.*MinimumLevel\.).*\.(Information|Warning|Error|Debug|Verbose|Fatal)\(")]
    private static partial Regex LogCall();
}

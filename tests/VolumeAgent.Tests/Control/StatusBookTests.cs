using VolumeAgent.Control.Status;
using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Scheduling;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Control;

public sealed class StatusBookTests : IDisposable
{
    private readonly TempDirectory _state = new();
    private readonly LogCapture _log = new();

    public void Dispose() => _state.Dispose();

    [Fact]
    public async Task RecordAsync_ThenLoadInANewProcess_LastRunsSurvive()
    {
        using (var book = StatusBook.Load(_state.Path, _log.Logger))
        {
            await book.RecordAsync("nightly", ControlTestData.Run(RunRecord.Failed, "disk full"), CancellationToken.None);
            await book.RecordAsync("hourly", ControlTestData.Run(RunRecord.Succeeded), CancellationToken.None);
            await book.RecordAsync("nightly", ControlTestData.Run(RunRecord.Succeeded, started: ControlTestData.Start.AddDays(1)), CancellationToken.None);
        }

        using var reloaded = StatusBook.Load(_state.Path, _log.Logger);

        reloaded.LastRun("nightly").Should().BeEquivalentTo(ControlTestData.Run(RunRecord.Succeeded, started: ControlTestData.Start.AddDays(1)));
        reloaded.LastRun("hourly")!.Status.Should().Be(RunRecord.Succeeded);
        reloaded.LastRun("weekly").Should().BeNull();
        Directory.GetFiles(_state.Path).Select(Path.GetFileName).Should().Equal(StatusBook.FileName);
    }

    [Fact]
    public void Load_CorruptFile_StartsEmptyAndWarns()
    {
        File.WriteAllText(_state.Combine(StatusBook.FileName), "{ not json");

        using var book = StatusBook.Load(_state.Path, _log.Logger);

        book.LastRun("nightly").Should().BeNull();
        _log.Messages(Serilog.Events.LogEventLevel.Warning).Should().ContainSingle().Which.Should().Contain("cannot be read");
    }

    [Fact]
    public void Load_NoStateDirectoryYet_StartsEmptyQuietly()
    {
        using var book = StatusBook.Load(_state.Combine("not-yet"), _log.Logger);

        book.LastRun("nightly").Should().BeNull();
        _log.Events.Should().BeEmpty();
    }

    [Fact]
    public async Task MarkRunning_UntilRecorded_ShowsTheRunningRun()
    {
        using var book = StatusBook.Load(_state.Path, _log.Logger);

        book.MarkRunning("nightly", ManifestTrigger.Manual, ControlTestData.Start);
        var running = book.Running("nightly");
        await book.RecordAsync("nightly", ControlTestData.Run(RunRecord.Succeeded), CancellationToken.None);

        running.Should().BeEquivalentTo(new RunningRun { Trigger = "manual", Since = ControlTestData.Start });
        book.Running("nightly").Should().BeNull();
    }

    [Fact]
    public void RecordSkipped_EachTime_CountsAndKeepsTheLast()
    {
        using var book = StatusBook.Load(_state.Path, _log.Logger);

        book.RecordSkipped("nightly", ControlTestData.Start);
        book.RecordSkipped("nightly", ControlTestData.Start.AddHours(1));

        book.Skipped("nightly").Should().Be(new SkippedRuns { Count = 2, LastAt = ControlTestData.Start.AddHours(1) });
        book.Skipped("hourly").Should().BeNull();
    }
}

using System.Text.Json;
using VolumeAgent.Docker.Models;
using VolumeAgent.Runs;
using VolumeAgent.Tests.Pipeline;
using VolumeAgent.Runs.Stops;

namespace VolumeAgent.Tests.Runs;

public sealed class StopJournalTests : IDisposable
{
    private const string Started = "2026-11-21T10:00:00.123456789Z";
    private readonly TempDirectory _state = new();
    private readonly AgentInstance _live;
    private readonly JournalHolder _a;
    private readonly JournalHolder _b;

    public StopJournalTests()
    {
        _live = AgentInstance.Acquire(_state.Path);
        _a = new JournalHolder(_live.Id, "nightly", "aaaa0001");
        _b = new JournalHolder(_live.Id, "hourly", "bbbb0002");
    }

    [Fact]
    public void TwoRunsHoldOneContainer_ItIsFreeOnlyWhenBothHaveLetGo()
    {
        using var journal = Open();
        journal.RecordStop("c1", "app", Started, _a);
        journal.Hold("c1", _b);

        journal.Find("c1")!.Holders.Should().Equal(_a, _b);
        journal.Release(_a);
        journal.Find("c1")!.Holders.Should().Equal(_b);
        journal.Release(_b);
        journal.Find("c1")!.Holders.Should().BeEmpty();
        journal.Find("c1")!.StoppedBy.Should().Be(_a, "the run that stopped it is named in messages");
    }

    [Fact]
    public void SameRunHoldsTwice_CountsOnce()
    {
        using var journal = Open();
        journal.RecordStop("c1", "app", Started, _a);
        journal.Hold("c1", _a);
        journal.RecordStop("c1", "app", Started, _a);

        journal.Find("c1")!.Holders.Should().Equal(_a);
    }

    [Fact]
    public void StoppedAgainWhileHeld_KeepsTheOtherHoldersAndTakesTheNewStartTime()
    {
        using var journal = Open();
        journal.RecordStop("c1", "app", Started, _a);
        journal.RecordStop("c1", "app", "2026-11-21T10:05:00Z", _b);

        var entry = journal.Containers.Should().ContainSingle().Subject;
        entry.Holders.Should().Equal(_a, _b);
        entry.StartedAt.Should().Be("2026-11-21T10:05:00Z");
        entry.StoppedBy.Should().Be(_b);
    }

    [Fact]
    public void Saved_IsWhatTheNextOpenReads_AcrossProcessesOfTheStateDirectory()
    {
        using (var journal = Open())
        {
            journal.RecordStop("c1", "app", Started, _a);
            journal.RecordStop("c2", "db", null, _a);
            journal.Hold("c1", _b);
            journal.Save();
        }

        using var again = Open();
        again.Containers.Select(c => (c.Id, c.Name, c.StartedAt, c.Holders.Count)).Should().Equal(("c1", "app", Started, 2), ("c2", "db", (string?)null, 1));
        StopJournal.Exists(_state.Path).Should().BeTrue();
    }

    [Fact]
    public void NothingLeft_SaveDeletesTheFile()
    {
        using (var journal = Open())
        {
            journal.RecordStop("c1", "app", Started, _a);
            journal.Save();
            journal.Remove("c1");
            journal.Save();
        }

        StopJournal.Exists(_state.Path).Should().BeFalse();
    }

    [Fact]
    public void HolderWhoseProcessDied_IsForgotten_TheLiveOneStays()
    {
        var dead = AgentInstance.Acquire(_state.Path);
        var crashed = new JournalHolder(dead.Id, "nightly", "dddd0003");
        dead.Dispose();
        using var journal = Open();
        journal.RecordStop("c1", "app", Started, crashed);
        journal.Hold("c1", _b);
        journal.RecordStop("c2", "db", Started, crashed);

        journal.ForgetDeadHolders().Should().Be(2);

        journal.Find("c1")!.Holders.Should().Equal(_b);
        journal.Find("c2")!.Holders.Should().BeEmpty("no live run holds it: it is to be started again");
    }

    [Fact]
    public async Task OpenWhileAnotherHoldsTheLock_WaitsUntilItIsReleased()
    {
        var first = Open();
        StopJournal.TryOpen(_state.Path, Serilog.Core.Logger.None).Should().BeNull("one run or process at a time reads and changes the journal");
        first.RecordStop("c1", "app", Started, _a);
        first.Save();

        var waiting = StopJournal.OpenAsync(_state.Path, TimeProvider.System, Serilog.Core.Logger.None, CancellationToken.None);
        await Task.Delay(300);
        waiting.IsCompleted.Should().BeFalse();
        first.Dispose();
        using var second = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        second.Find("c1")!.Holders.Should().Equal(_a);
    }

    [Fact]
    public async Task OpenWhileAnotherHoldsTheLock_IsCancellable()
    {
        using var first = Open();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var open = () => StopJournal.OpenAsync(_state.Path, TimeProvider.System, Serilog.Core.Logger.None, cts.Token);

        await open.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void RunFileOfAnEarlierVersion_WhoseProcessDied_IsTakenInAndDeletedOnSave()
    {
        var folder = Path.Combine(_state.Path, "journal");
        Directory.CreateDirectory(folder);
        var old = Path.Combine(folder, "nightly-eeee0004.json");
        var record = new JournalRecord("0123456789ab", "nightly", "eeee0004", [new JournalContainer("c1", "app")]);
        File.WriteAllText(old, JsonSerializer.Serialize(record, JournalJsonContext.Default.JournalRecord));

        using (var journal = Open())
        {
            var entry = journal.Containers.Should().ContainSingle().Subject;
            entry.StartedAt.Should().BeNull("that version did not record it");
            entry.StoppedBy.Should().Be(new JournalHolder("0123456789ab", "nightly", "eeee0004"));
            journal.Save();
        }

        File.Exists(old).Should().BeFalse();
        using var again = Open();
        again.Containers.Should().ContainSingle().Which.Id.Should().Be("c1");
    }

    [Fact]
    public void UnreadableFile_IsSetAsideAndTheJournalStartsEmpty()
    {
        using (var journal = Open())
        {
            journal.RecordStop("c1", "app", Started, _a);
            journal.Save();
            File.WriteAllText(journal.Path, "{ not json");
        }

        using var again = Open();

        again.Containers.Should().BeEmpty();
        File.Exists(again.Path + ".unreadable").Should().BeTrue();
    }

    [Theory]
    [InlineData(Started, false, true)]
    [InlineData("2026-11-21T11:00:00Z", false, false)]
    [InlineData(Started, true, false)]
    [InlineData(null, false, true)]
    public void ShowsAgentStop_OnlyWhileNotStartedSince(string? recorded, bool running, bool expected)
    {
        var entry = new StoppedContainer("c1", "app", recorded, _a, []);
        var container = new ContainerInspect { Id = "c1", State = new ContainerState { Running = running, StartedAt = Started } };

        StopRecovery.ShowsAgentStop(entry, container).Should().Be(expected);
    }

    public void Dispose()
    {
        _live.Dispose();
        _state.Dispose();
    }

    private StopJournal Open() => StopJournal.TryOpen(_state.Path, Serilog.Core.Logger.None) ?? throw new InvalidOperationException("The journal is locked.");
}

using VolumeAgent.Control.Protocol;
using VolumeAgent.Operations;
using VolumeAgent.Presentation;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Control;
using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Tests.Presentation;

/// <summary>What a terminal shows of an in-process run and verification, told by the run service's events.</summary>
public sealed class RunConsoleTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }

    [Fact]
    public void Run_StartArtifactsAndEnd_PrintTheLinesAndTheTableTheDaemonsClientPrintsToo()
    {
        var console = new RunConsole(_output, _error);
        var ok = ControlTestData.Artifact("volume-data.tar.gz", 1_500_000, ManifestStatus.Succeeded);
        var failed = ControlTestData.Artifact(null, 0, ManifestStatus.Failed, "volume 'logs' does not exist");

        console.OnEvent(new RunStarted { Job = "nightly", At = ControlTestData.Start, Trigger = ManifestTrigger.Manual, Activity = new RunActivity(TimeSpan.FromMinutes(5), TimeProvider.System) });
        console.OnEvent(new ArtifactFinished { Job = "nightly", At = ControlTestData.Start, Artifact = ok });
        console.OnEvent(new ArtifactFinished { Job = "nightly", At = ControlTestData.Start, Artifact = failed });
        console.OnEvent(new RunEnded { Job = "nightly", At = ControlTestData.Start, Trigger = ManifestTrigger.Manual, StartedAt = ControlTestData.Start, Result = Result([ok, failed]) });
        console.WriteTable();

        Lines(_output).Take(3).Should().Equal(
            "job nightly: running",
            ControlEvent.ForArtifact("nightly", ok).ArtifactLine(),
            "  FAIL  nightly/data: volume 'logs' does not exist");
        Lines(_output)[1].Should().StartWith("  ok    nightly/volume-data.tar.gz  ");
        _output.ToString().Should().Contain("job nightly: FAILED, set 20260329T003000Z-1a2b3c4d: 1 of 2 artifact(s) failed.");
        console.Results.Should().ContainSingle();
        _error.ToString().Should().BeEmpty();
    }

    [Fact]
    public void Run_Skipped_SaysSoOnStandardErrorAndLeavesItOutOfTheTable()
    {
        var console = new RunConsole(_output, _error);

        console.OnEvent(new RunSkipped { Job = "nightly", At = ControlTestData.Start, Trigger = ManifestTrigger.Manual, ScheduledFor = ControlTestData.Start });

        Lines(_error).Should().Equal("Job nightly is already running in another agent process; not started again. Wait for it to finish.");
        console.Results.Should().BeEmpty();
        _output.ToString().Should().BeEmpty();
    }

    [Fact]
    public void Verification_StartedAndEnded_PrintsTheHeaderEachArtifactAndTheOutcome()
    {
        var console = new RunConsole(_output, _error);
        var set = new StoredSet("local", null!, new BackupSetInfo
        {
            Job = "nightly",
            DirectoryName = "20260329T003000Z-1a2b3c4d",
            RunId = RunId.Parse("1a2b3c4d"),
            StartedAt = ControlTestData.Start,
            State = BackupSetState.Complete,
            TotalStoredBytes = 1,
            ArtifactCount = 2,
        });
        var result = new VerificationResult
        {
            Storage = "local",
            SetName = set.Name,
            Kind = ManifestVerificationKind.Drill,
            Status = ManifestStatus.Failed,
            VerifiedAt = ControlTestData.Start,
            Artifacts = [new ArtifactOutcome("volume-data.tar.gz", true, "volume-data.tar.gz: 12 entries"), new ArtifactOutcome("db.sql.gz", false, "db.sql.gz: checksum mismatch")],
            Problems = ["SHA256SUMS lists a file the manifest does not"],
            Details = "1 of 2 failed",
            RecordError = "disk full",
        };

        console.OnEvent(new VerificationStarted { Job = "nightly", At = ControlTestData.Start, Set = set, Drill = true });
        console.OnEvent(new VerificationEnded { Job = "nightly", At = ControlTestData.Start, Set = set, Drill = true, Result = result });

        Lines(_output).Should().Equal(
            "drill nightly/20260329T003000Z-1a2b3c4d in storage local:",
            "  ok    volume-data.tar.gz: 12 entries",
            "  FAIL  db.sql.gz: checksum mismatch",
            "  FAIL  SHA256SUMS lists a file the manifest does not",
            "  drill FAILED",
            "  (the result could not be written to the set's manifest: disk full)");
    }

    private static List<string> Lines(StringWriter writer) =>
        writer.ToString().Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

    private static RunResult Result(IReadOnlyList<ManifestArtifact> artifacts) => new()
    {
        Job = "nightly",
        RunId = RunId.Parse("1a2b3c4d"),
        Status = ManifestStatus.Failed,
        StartedAt = ControlTestData.Start,
        FinishedAt = ControlTestData.Start.AddSeconds(3),
        SetName = "20260329T003000Z-1a2b3c4d",
        Artifacts = artifacts,
        Error = "1 of 2 artifact(s) failed.",
    };
}

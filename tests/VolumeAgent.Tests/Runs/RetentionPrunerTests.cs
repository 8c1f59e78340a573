using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;
using VolumeAgent.Retention;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Runs;

public sealed class RetentionPrunerTests
{
    [Theory]
    [InlineData("Complete", "Succeeded", "Succeeded")]
    [InlineData("Complete", "Failed", "Failed")]
    [InlineData("Incomplete", null, "Incomplete")]
    [InlineData("Corrupt", null, "Incomplete")]
    public void ToCandidate_SetStateAndStatus_MapToTheRetentionState(string state, string? status, string expected)
    {
        var manifest = status is null ? null : new BackupManifest
        {
            FormatVersion = 1,
            Job = "j",
            RunId = RunId.Parse("0000000a"),
            Trigger = ManifestTrigger.Manual,
            Status = Enum.Parse<ManifestStatus>(status),
            StartedAt = DateTimeOffset.UnixEpoch,
            FinishedAt = DateTimeOffset.UnixEpoch,
            AgentVersion = "0",
            Artifacts = [],
        };
        var set = new BackupSetInfo
        {
            Job = "j",
            DirectoryName = "19700101T000000Z-0000000a",
            RunId = RunId.Parse("0000000a"),
            StartedAt = DateTimeOffset.UnixEpoch,
            State = Enum.Parse<BackupSetState>(state),
            Manifest = manifest,
            TotalStoredBytes = 0,
            ArtifactCount = 0,
        };

        var candidate = RetentionPruner.ToCandidate(set);

        candidate.State.Should().Be(Enum.Parse<RetentionSetState>(expected));
        candidate.Id.Should().Be("19700101T000000Z-0000000a");
    }

    [Fact]
    public void ToRules_NoRetention_KeepsEverything()
    {
        RetentionPruner.ToRules(null).IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void ToRules_EveryOption_IsCarriedOver()
    {
        var rules = RetentionPruner.ToRules(new RetentionOptions
        {
            KeepLast = 1, KeepHourly = 2, KeepDaily = 3, KeepWeekly = 4, KeepMonthly = 5, KeepYearly = 6, KeepWithin = TimeSpan.FromDays(7),
        });

        rules.Should().Be(new RetentionRules(1, 2, 3, 4, 5, 6, TimeSpan.FromDays(7)));
    }
}

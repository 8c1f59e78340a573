using VolumeAgent.Manifest;
using VolumeAgent.Manifest.Sets;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Manifest;
using VolumeAgent.Tests.Storage;

namespace VolumeAgent.Tests.Restore;

public sealed class SetSelectorTests
{
    private static readonly IBackupStore Local = StoreTestSupport.Local("/nonexistent/local");
    private static readonly IBackupStore Offsite = StoreTestSupport.Local("/nonexistent/offsite");

    private static readonly StoredSet[] Sets =
    [
        Set("local", Local, "nightly", "20261119T020000Z-1a2b3c4d", 19),
        Set("local", Local, "nightly", "20261120T020000Z-1a2bffff", 20),
        Set("local", Local, "nightly", "20261121T020000Z-9f000001", 21, ManifestStatus.Failed),
        Set("local", Local, "nightly", "20261122T020000Z-77777777", 22, state: BackupSetState.Incomplete),

        // A restore's safety copy, the newest succeeded set of the job: never latest.
        Set("local", Local, "nightly", "20261123T020000Z-5afe0001", 23, trigger: ManifestTrigger.PreRestore),
        Set("local", Local, "hourly", "20261121T100000Z-abcdef01", 21),
        Set("offsite", Offsite, "nightly", "20261120T020000Z-1a2bffff", 20),
    ];

    [Theory]
    [InlineData("nightly/latest", "nightly/20261120T020000Z-1a2bffff")]
    [InlineData("hourly/latest", "hourly/20261121T100000Z-abcdef01")]
    [InlineData("20261119T020000Z-1a2b3c4d", "nightly/20261119T020000Z-1a2b3c4d")]
    [InlineData("nightly/20261121T020000Z-9f000001", "nightly/20261121T020000Z-9f000001")]
    [InlineData("1a2b3", "nightly/20261119T020000Z-1a2b3c4d")]
    [InlineData("abcdef01", "hourly/20261121T100000Z-abcdef01")]
    [InlineData("nightly/9f", "nightly/20261121T020000Z-9f000001")]
    [InlineData(" nightly/latest/ ", "nightly/20261120T020000Z-1a2bffff")]
    public void Select_NameLatestOrRunIdPrefix_FindsTheOneSet(string spec, string expected) =>
        SetSelector.Select(Sets, spec).Name.Should().Be(expected);

    [Fact]
    public void Select_SetInTwoStorages_IsOneSetFromTheFirstStorage()
    {
        var chosen = SetSelector.Select(Sets, "1a2bf");

        chosen.StorageName.Should().Be("local");
    }

    [Theory]
    [InlineData("1a2b", "fits 2 backup sets")]
    [InlineData("deadbeef", "No backup set is named 'deadbeef'")]
    [InlineData("weekly/latest", "No backup sets of job 'weekly'")]
    [InlineData("Nightly", "No backup set")]
    public void Select_UnknownOrAmbiguous_RefusesSayingWhy(string spec, string reason)
    {
        var act = () => SetSelector.Select(Sets, spec);

        act.Should().Throw<SetNotFoundException>().WithMessage($"*{reason}*");
    }

    [Fact]
    public void Select_IncompleteSet_IsUnusableNotMissing()
    {
        var act = () => SetSelector.Select(Sets, "77777777");

        act.Should().Throw<SetUnusableException>().WithMessage("Backup set nightly/20261122T020000Z-77777777 in storage local is incomplete: No manifest.json*");
    }

    [Fact]
    public void Select_CorruptInTheFirstStorageCompleteInTheNext_UsesTheCompleteCopy()
    {
        StoredSet[] sets =
        [
            Set("local", Local, "nightly", "20261120T020000Z-1a2bffff", 20, state: BackupSetState.Corrupt),
            Set("offsite", Offsite, "nightly", "20261120T020000Z-1a2bffff", 20),
        ];

        SetSelector.Select(sets, "1a2bffff").StorageName.Should().Be("offsite");
        SetSelector.Copies(sets, "1a2bffff").Select(s => s.StorageName).Should().Equal("local", "offsite");
    }

    [Fact]
    public void Copies_LatestOfAJob_OnlyTheCompleteCopies()
    {
        StoredSet[] sets =
        [
            Set("local", Local, "nightly", "20261120T020000Z-1a2bffff", 20),
            Set("offsite", Offsite, "nightly", "20261120T020000Z-1a2bffff", 20, state: BackupSetState.Incomplete),
        ];

        SetSelector.Copies(sets, "nightly/latest").Should().ContainSingle().Which.StorageName.Should().Be("local");
    }

    [Fact]
    public void Select_LatestOfAJobWithoutGoodSets_ListsItsSets()
    {
        StoredSet[] sets = [Set("local", Local, "weekly", "20261121T020000Z-00000001", 21, ManifestStatus.Failed)];

        var act = () => SetSelector.Select(sets, "weekly/latest");

        act.Should().Throw<SetNotFoundException>().WithMessage("*no complete backup set whose run succeeded*weekly/20261121T020000Z-00000001*");
    }

    [Fact]
    public void LatestGood_EveryJob_NewestSucceededCompleteSetOfEach()
    {
        var latest = SetSelector.LatestGood(Sets);

        latest.Select(s => s.Name).Should().Equal("hourly/20261121T100000Z-abcdef01", "nightly/20261120T020000Z-1a2bffff");
    }

    [Fact]
    public async Task ListAsync_UnknownStorage_NamesTheConfiguredOnes()
    {
        var stores = new Dictionary<string, IBackupStore> { ["local"] = Local };

        var act = async () => await SetSelector.ListAsync(stores, "s3", null, CancellationToken.None).ToListAsync();

        await act.Should().ThrowAsync<SetNotFoundException>().WithMessage("*'s3'*local*");
    }

    private static StoredSet Set(
        string storage,
        IBackupStore store,
        string job,
        string directory,
        int day,
        ManifestStatus status = ManifestStatus.Succeeded,
        BackupSetState state = BackupSetState.Complete,
        ManifestTrigger trigger = ManifestTrigger.Manual)
    {
        BackupSetLayout.TryParseSetName(directory, out var started, out var runId).Should().BeTrue();
        return new StoredSet(storage, store, new BackupSetInfo
        {
            Job = job,
            DirectoryName = directory,
            RunId = runId,
            StartedAt = new DateTimeOffset(2026, 11, day, 2, 0, 0, TimeSpan.Zero),
            State = state,
            Manifest = state == BackupSetState.Complete ? ManifestSamples.Manifest(job, runId, started, [], status) with { Trigger = trigger } : null,
            TotalStoredBytes = 1,
            ArtifactCount = 0,
            Problem = state == BackupSetState.Complete ? null : "No manifest.json: the run is still going",
        });
    }
}

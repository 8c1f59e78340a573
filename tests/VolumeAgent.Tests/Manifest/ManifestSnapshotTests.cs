using System.Text;
using VolumeAgent.Manifest;
using VolumeAgent.Sources.Shared.Archives;

namespace VolumeAgent.Tests.Manifest;

/// <summary>
/// A file tree a storage keeps itself (<c>format: file_tree</c> with <c>snapshot</c>): written and read back, and which
/// storage's copy of a set holds which artifact when a job writes a volume to a restic storage and a plain one.
/// </summary>
public sealed class ManifestSnapshotTests
{
    private static readonly ManifestSnapshot Snapshot = new()
    {
        Storage = "vault",
        Id = "4f1c2a9be0",
        Parent = "0a1b2c3d4e",
        FilesNew = 1,
        FilesChanged = 2,
        FilesUnmodified = 3,
        DataAdded = 861,
    };

    private static ManifestArtifact Tar => ManifestSamples.Artifact("volume-data.tar", new string('a', 64), 100) with { SourceName = "data" };

    private static ManifestArtifact Tree => ManifestSamples.Artifact(null, null, 861) with { SourceName = "data", Format = ArchiveKind.FileTree, Snapshot = Snapshot };

    [Fact]
    public void ASucceededTreeWithoutFileOrSha256_RoundTrips_WithItsSnapshotInSnakeCase()
    {
        var manifest = ManifestSamples.Manifest("nightly", RunId.New(), ManifestSamples.Started, [Tree]);

        var bytes = ManifestSerializer.SerializeToUtf8Bytes(manifest);

        Encoding.UTF8.GetString(bytes).Should().Contain("\"format\": \"file_tree\"").And.Contain("\"files_unmodified\": 3").And.Contain("\"data_added\": 861").And.Contain("\"parent\": \"0a1b2c3d4e\"");
        ManifestSerializer.Deserialize(bytes).Artifacts.Single().Snapshot.Should().Be(Snapshot);
    }

    [Fact]
    public void ATreeThatAlsoNamesAFile_IsNotWritten()
    {
        var manifest = ManifestSamples.Manifest("nightly", RunId.New(), ManifestSamples.Started, [Tree with { File = "volume-data.tar" }]);

        var write = () => ManifestSerializer.SerializeToUtf8Bytes(manifest);

        write.Should().Throw<ArgumentException>().WithMessage("*snapshot and a file*", "the agent never writes such a manifest");
    }

    [Fact]
    public void IsHeldBy_TheTreeOnlyInItsStorage_TheTarEverywhereElse()
    {
        IReadOnlyList<ManifestArtifact> all = [Tar, Tree];

        Tree.IsHeldBy("vault", all).Should().BeTrue();
        Tree.IsHeldBy("local", all).Should().BeFalse();
        Tar.IsHeldBy("vault", all).Should().BeFalse("the snapshot replaces the tar in the restic storage's copy");
        Tar.IsHeldBy("local", all).Should().BeTrue();
        Tar.IsHeldBy("vault", [Tar]).Should().BeTrue("without a snapshot of its source a storage holds the file");
    }
}

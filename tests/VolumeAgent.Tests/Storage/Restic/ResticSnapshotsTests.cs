using Serilog.Core;
using VolumeAgent.Storage.Restic;
using VolumeAgent.Tests.Fakes;

namespace VolumeAgent.Tests.Storage.Restic;

/// <summary>
/// A tree's full snapshot id (restic 0.14's backup summary prints the short one) from a local repository's own
/// <c>snapshots/</c> directory, without a helper container for a new listing.
/// </summary>
public sealed class ResticSnapshotsTests
{
    private const string Full = "3bce3628e4b0c1d2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6";
    private const string Other = "cc4edd30f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a";

    [Fact]
    public async Task ALocalRepository_NamesTheFullIdFromItsSnapshotsDirectory_WithoutAHelper()
    {
        using var repository = new TempDirectory();
        Directory.CreateDirectory(repository.Combine("snapshots"));
        await File.WriteAllTextAsync(repository.Combine("snapshots", Full), string.Empty);
        await File.WriteAllTextAsync(repository.Combine("snapshots", Other), string.Empty);
        var engine = new FakeDockerEngine();
        var snapshots = new ResticSnapshots(new ResticHelper(Options(repository.Path), engine, Logger.None));

        var id = await snapshots.FullIdAsync("3bce3628", CancellationToken.None);

        id.Should().Be(Full);
        engine.Calls.Should().BeEmpty("the id came from the directory, not from a restic helper");
    }

    private static ResticStorageOptions Options(string repository) =>
        new() { Name = "vault", Repository = repository, Password = new VolumeAgent.Policy.Secret("x"), Image = "restic:1" };
}

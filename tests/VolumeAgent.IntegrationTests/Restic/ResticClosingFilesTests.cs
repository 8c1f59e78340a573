using System.Text;
using VolumeAgent.IntegrationTests.Fixtures;
using VolumeAgent.Policy;
using VolumeAgent.Storage;
using VolumeAgent.Storage.Restic;
using Xunit.Abstractions;

namespace VolumeAgent.IntegrationTests.Restic;

/// <summary>
/// The restic store's own handling of a set's closing files (SHA256SUMS and manifest.json), against a real repository
/// through real helpers: one snapshot of the set's directory holding both, read back as two objects; deleting one of
/// them keeps the other; a job whose directory the helper is mounted over keeps a snapshot per file.
/// </summary>
[Collection(DockerTests.Restic)]
public sealed class ResticClosingFilesTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromMinutes(4);
    private readonly DockerFixture _docker;
    private readonly ITestOutputHelper _output;

    public ResticClosingFilesTests(DockerFixture docker, ITestOutputHelper output)
    {
        _docker = docker;
        _output = output;
    }

    [Fact]
    public async Task TheClosingFiles_AreOneSnapshot_ReadBackAsTwoObjects_AndDeletingOneKeepsTheOther()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        var ct = timeout.Token;
        await using var workspace = AgentWorkspace.Create(_docker, _output);
        var repository = new ResticRepository(workspace);
        var store = new ResticObjectStore(new ResticStorageOptions
        {
            Name = "vault", Repository = repository.Path, Password = new Secret(repository.Password), Image = ResticRepository.Image, Init = true,
        });
        await store.CheckWritableAsync(ct);
        var job = workspace.Job("restic-files");
        var set = new SetAddress(job, "20261207T020000Z-1a2b3c4d");
        var manifest = Encoding.UTF8.GetBytes("{\n  \"job\": \"" + job + "\"\n}\n");

        await store.PutManyAsync(set, [("SHA256SUMS", ReadOnlyMemory<byte>.Empty), ("manifest.json", manifest)], ct);

        (await repository.SnapshotsAsync(ct)).Should().ContainSingle().Which.Path.Should().Be($"/{job}/{set.Name}");
        (await store.ListObjectsAsync(set, ct)).Select(o => o.Name).Should().BeEquivalentTo(["SHA256SUMS", "manifest.json"]);
        (await ReadAsync(store, set, "SHA256SUMS", ct)).Should().BeEmpty("an empty SHA256SUMS is a file of no bytes in the snapshot");
        (await ReadAsync(store, set, "manifest.json", ct)).Should().Equal(manifest);

        // Deleting SHA256SUMS alone: the manifest is written again on its own before the shared snapshot is forgotten.
        await store.DeleteAsync(set, "SHA256SUMS", ct);

        (await store.ListObjectsAsync(set, ct)).Select(o => o.Name).Should().Equal("manifest.json");
        (await ReadAsync(store, set, "manifest.json", ct)).Should().Equal(manifest);
        (await repository.SnapshotsAsync(ct)).Should().ContainSingle().Which.Path.Should().Be($"/{job}/{set.Name}/manifest.json");

        // Deleting the manifest (the set's commit marker) takes the snapshot, and SHA256SUMS with it.
        var second = new SetAddress(job, "20261208T020000Z-5e6f7a8b");
        await store.PutManyAsync(second, [("SHA256SUMS", Encoding.UTF8.GetBytes(new string('a', 64) + "  dump.sql\n")), ("manifest.json", manifest)], ct);
        await store.DeleteAsync(second, "manifest.json", ct);
        (await store.ListObjectsAsync(second, ct)).Should().BeEmpty();

        // A job named like a directory the helper is mounted over (/proc) keeps a snapshot per file, read the same.
        var proc = new SetAddress("proc", "20261207T020000Z-1a2b3c4d");
        var sums = Encoding.UTF8.GetBytes(new string('b', 64) + "  dump.sql\n");
        await store.PutManyAsync(proc, [("SHA256SUMS", sums), ("manifest.json", manifest)], ct);
        (await repository.SnapshotsAsync(ct)).Select(s => s.Path).Should().Contain([$"/proc/{proc.Name}/SHA256SUMS", $"/proc/{proc.Name}/manifest.json"]);
        (await ReadAsync(store, proc, "SHA256SUMS", ct)).Should().Equal(sums);
        (await ReadAsync(store, proc, "manifest.json", ct)).Should().Equal(manifest);
        await workspace.AssertNoAgentLeftoversAsync(ct);
    }

    private static async Task<byte[]> ReadAsync(ResticObjectStore store, SetAddress set, string name, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(set, name, cancellationToken);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken);
        return copy.ToArray();
    }
}

using System.Formats.Tar;
using VolumeAgent.Runs;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Tests.Fakes;
using VolumeAgent.Manifest;
using VolumeAgent.Sources.HostPath;
using VolumeAgent.Sources.Shared.Archives;
using VolumeAgent.Sources.Volume;

namespace VolumeAgent.Tests.Sources;

/// <summary>Volume and path sources against the fake engine: what they ask of the engine and how they fail.</summary>
public sealed class ArchiveSourceTests : IAsyncDisposable
{
    private readonly FakeDockerEngine _engine = new();

    public ValueTask DisposeAsync() => _engine.DisposeAsync();

    [Fact]
    public async Task Volume_IsArchivedFromAHelperThatMountsItReadOnly_AndTheHelperIsRemoved()
    {
        var tar = EngineTestSupport.Tar(("a.txt", "alpha"), ("b.txt", "beta"));
        _engine.AddVolume("data", tar);
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- volume: data"));

        var producers = await source.PlanAsync(CancellationToken.None);

        producers.Should().ContainSingle();
        var producer = producers[0];
        producer.Descriptor.Kind.Should().Be(VolumeKind.Volume);
        producer.Descriptor.Format.Should().Be(ArchiveKind.Tar);
        byte[] read;
        await using (producer)
        {
            read = await EngineTestSupport.ReadAllAsync(producer);
        }

        Entries(read).Should().Equal(("./", ""), ("./a.txt", "alpha"), ("./b.txt", "beta"));
        producer.Facts.Entries.Should().Be(3);
        _engine.Calls.Should().ContainInOrder(
            $"create {EngineTestSupport.HelperImage} volume:data:/data:ro",
            "archive volume data",
            "remove helper");
        _engine.Containers.All.Should().BeEmpty("the helper is removed once the archive is read");
    }

    [Fact]
    public async Task Path_IsArchivedThroughAReadOnlyBindMount()
    {
        var tar = EngineTestSupport.Tar(("config.yml", "x: 1"));
        _engine.Archives["/srv/app"] = tar;
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- path: /srv/app"));

        var producers = await source.PlanAsync(CancellationToken.None);
        await using (producers[0])
        {
            Entries(await EngineTestSupport.ReadAllAsync(producers[0])).Should().Equal(("./", ""), ("./config.yml", "x: 1"));
        }

        producers[0].Descriptor.Kind.Should().Be(PathKind.Path);
        _engine.Calls.Should().ContainInOrder($"create {EngineTestSupport.HelperImage} bind:/srv/app:/data:ro", "archive bind /srv/app", "remove helper");
    }

    [Fact]
    public async Task Volume_ThatDoesNotExist_FailsPlanningNamingTheVolume_AndNothingIsCreated()
    {
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- volume: uploads"));

        var plan = () => source.PlanAsync(CancellationToken.None);

        (await plan.Should().ThrowAsync<ArtifactFailedException>())
            .Which.Message.Should().Contain("Volume 'uploads' does not exist on this engine").And.Contain("docker volume ls");
        _engine.Calls.Should().Contain("create refused: no volume uploads", "the helper's mount is refused rather than an empty volume made");
        _engine.Calls.Should().NotContain(c => c.StartsWith("archive", StringComparison.Ordinal));
        _engine.Volumes.Contains("uploads").Should().BeFalse();
    }

    [Fact]
    public async Task Archive_TheEngineRefuses_FailsTheArtifactWithTheEnginesWords_AndRemovesTheHelper()
    {
        _engine.Volumes.Add("data");
        var source = EngineTestSupport.CreateSource(EngineTestSupport.Context(_engine), EngineTestSupport.Source("- volume: data"));
        var producers = await source.PlanAsync(CancellationToken.None);

        await using (producers[0])
        {
            var open = () => producers[0].OpenAsync(CancellationToken.None);
            (await open.Should().ThrowAsync<ArtifactFailedException>())
                .Which.Message.Should().Be("The engine could not read data to archive volume data: No such file or directory: /data/.");
        }

        _engine.Containers.All.Should().BeEmpty();
    }

    /// <summary>The archive as tar reads it back: each entry's name and text.</summary>
    private static List<(string Name, string Text)> Entries(byte[] tar)
    {
        using var reader = new TarReader(new MemoryStream(tar));
        var entries = new List<(string, string)>();
        while (reader.GetNextEntry() is { } entry)
        {
            entries.Add((entry.Name, entry.DataStream is null ? string.Empty : new StreamReader(entry.DataStream).ReadToEnd()));
        }

        return entries;
    }
}

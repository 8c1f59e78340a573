using System.Text;
using Serilog;
using Serilog.Core;
using VolumeAgent.Policy;
using VolumeAgent.Sources;
using VolumeAgent.Tests.Pipeline.Tar;
using VolumeAgent.Tests.Policy;

namespace VolumeAgent.Tests.Fakes;

/// <summary>What tests of sources and runs against the <see cref="FakeDockerEngine"/> share.</summary>
internal static class EngineTestSupport
{
    public const string HelperImage = "fake/helper:1";

    /// <summary>A tar as the engine writes one for "DIR/.": a "./" directory and the files, ended by the end-of-archive blocks.</summary>
    public static byte[] Tar(params (string Name, string Content)[] files)
    {
        var tar = new RawTarBuilder().Entry('5', "./");
        foreach (var (name, content) in files)
        {
            tar.Entry('0', "./" + name, Encoding.UTF8.GetBytes(content));
        }

        return tar.Finish();
    }

    /// <summary>The context a run gives its sources, on the fake engine.</summary>
    public static SourceContext Context(FakeDockerEngine engine, ILogger? log = null) => new()
    {
        Docker = engine,
        HelperImage = HelperImage,
        Job = "nightly",
        RunId = "1a2b3c4d",
        InstanceId = "instance-1",
        Containers = new ContainerResolver(engine, project: null),
        Log = log ?? Logger.None,
    };

    /// <summary>The source of one backup.yml source entry (a list item, "- volume: data"), read as the agent reads it.</summary>
    /// <summary>The source its kind makes of these options, as a run makes it.</summary>
    public static IBackupSource CreateSource(SourceContext context, SourceOptions options) => SourceKinds.Of(options).CreateSource(context, options);

    public static SourceOptions Source(string item) =>
        PolicyTestHelpers.Load(PolicyTestHelpers.WithSources(item)).Jobs[0].Sources[0];

    /// <summary>Reads the producer's stream to its end, as the pipeline would, and completes it.</summary>
    public static async Task<byte[]> ReadAllAsync(IArtifactProducer producer, CancellationToken cancellationToken = default)
    {
        await using var stream = await producer.OpenAsync(cancellationToken);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, cancellationToken);
        await producer.CompleteAsync(cancellationToken);
        return copy.ToArray();
    }
}

using VolumeAgent.Pipeline.Tar;

namespace VolumeAgent.Sources;

/// <summary>
/// A helper's tar output, parsed on the way through: exclusions applied, a tree digest recorded for restore
/// drills, and whole only when the helper exits 0 and the archive ends with tar's end-of-archive marker.
/// </summary>
internal sealed class HelperArchiveProducer : IArtifactProducer
{
    private readonly HelperStreamProducer _helper;
    private readonly IReadOnlyList<string> _exclude;
    private TarFilterStream? _tar;

    public HelperArchiveProducer(SourceContext context, ArtifactDescriptor descriptor, HelperSpec spec, IReadOnlyList<string> exclude)
    {
        _helper = new HelperStreamProducer(context, descriptor, spec);
        _exclude = exclude;
    }

    public ArtifactDescriptor Descriptor => _helper.Descriptor;

    public ArtifactFacts Facts { get; private set; } = ArtifactFacts.None;

    public async Task<Stream> OpenAsync(CancellationToken cancellationToken)
    {
        _tar = new TarFilterStream(await _helper.OpenAsync(cancellationToken), _exclude, leaveOpen: true);
        return _tar;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await _helper.CompleteAsync(cancellationToken);
        if (_tar is not { IsComplete: true })
        {
            throw new ArtifactFailedException($"The archive of {Descriptor.SourceName} ended before tar's end-of-archive marker.");
        }

        if (_tar.OrphanedHardLinks.Count > 0)
        {
            Serilog.Log.Warning(
                "{Count} hard link(s) in {Source} point at excluded files and were left out, e.g. {Example}",
                _tar.OrphanedHardLinks.Count,
                Descriptor.SourceName,
                _tar.OrphanedHardLinks[0]);
        }

        Facts = new ArtifactFacts(_tar.Entries.Count, _tar.TreeDigest);
    }

    public async ValueTask DisposeAsync()
    {
        if (_tar is not null)
        {
            await _tar.DisposeAsync();
        }

        await _helper.DisposeAsync();
    }
}

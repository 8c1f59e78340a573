using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Sources.Shared.Helpers;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// Throwaway containers, one per PostgreSQL image, in which <c>pg_restore --list</c> reads custom-format
/// dumps during a verify: the image of the database that was dumped, so its pg_restore reads the archive's
/// version. Without an engine or the image, dumps are checked by their header only, and the note says so.
/// </summary>
internal sealed class PgListers : IArtifactCheckSession
{
    private readonly SourceContext? _context;
    private readonly ILogger _log;
    private readonly Dictionary<string, HelperContainer?> _byImage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _unavailable = new(StringComparer.Ordinal);

    public PgListers(SourceContext? context, ILogger log)
    {
        _context = context;
        _log = log;
    }

    /// <summary>The check to run on the artifact's content (null for all but custom-format dumps) and a note for the report.</summary>
    public async Task<(IDumpCheck? Check, string Note)> CheckForAsync(ManifestArtifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (artifact.Format != PostgresKind.PgCustom)
        {
            return (null, string.Empty);
        }

        if (_context is null)
        {
            return (null, "; pg_restore --list not run (no Docker engine), header checked only");
        }

        if (artifact.Image is not { } image)
        {
            return (null, "; pg_restore --list not run (the manifest names no image), header checked only");
        }

        if (!_byImage.TryGetValue(image, out var lister))
        {
            lister = await StartAsync(image, cancellationToken);
            _byImage[image] = lister;
        }

        return lister is null
            ? (null, $"; pg_restore --list not run ({_unavailable[image]}), header checked only")
            : (new PgListCheck(_context.Docker, _context.Log, lister.Id, []), $"; pg_restore --list reads it ({image})");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var lister in _byImage.Values)
        {
            if (lister is not null)
            {
                await lister.DisposeAsync();
            }
        }

        _byImage.Clear();
    }

    private async Task<HelperContainer?> StartAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            // An image the engine lacks is pulled by the helper's creation, so a verify asks no image call otherwise.
            return await HelperContainer.StartAsync(
                _context!.Docker,
                new HelperSpec
                {
                    Image = image,
                    // Something to exec pg_restore in; removed when the verify ends.
                    Command = ["sleep", "86400"],
                    Mounts = [],
                    Labels = _context.HelperLabels("verify"),
                    Capabilities = [],
                    Purpose = $"run pg_restore --list from {image}",
                },
                _context.Log,
                cancellationToken);
        }
        catch (Exception ex) when (ex is DockerApiException or ArtifactFailedException)
        {
            var reason = ex is DockerApiException api ? $"image {image} unavailable: {api.EngineMessage ?? api.Message}" : ex.Message;
            _log.ForEvent(LogEvents.PgListCheckUnavailable).Warning("Custom-format dumps are checked by their header only: {Reason}", reason);
            _unavailable[image] = reason;
            return null;
        }
    }
}

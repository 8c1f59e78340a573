using System.Buffers;
using VolumeAgent.Restore;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Redis;

/// <summary>A stored snapshot must be a whole RDB file: REDIS and its version first, the end marker and a matching CRC-64 last.</summary>
internal sealed class RedisVerifier : IArtifactVerifier
{
    private const int BufferSize = 128 * 1024;

    public async Task<ArtifactContentFacts> ReadContentAsync(ManifestArtifact artifact, Stream content, List<string> problems, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(problems);
        var verdict = await CheckAsync(content, cancellationToken);
        if (!verdict.IsSound)
        {
            problems.Add(verdict.Problem!);
        }

        return ArtifactContentFacts.None;
    }

    public string Describe(ArtifactScan scan) => "SHA-256 matches; RDB snapshot whole (header, end marker and CRC-64 check)";

    /// <summary>Reads <paramref name="content"/> to its end through an <see cref="RdbCheck"/>.</summary>
    public static async Task<RdbVerdict> CheckAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var check = new RdbCheck();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                check.Feed(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return check.Complete();
    }
}

namespace VolumeAgent.Pipeline;

/// <param name="RawBytes">Bytes read from the source, before compression.</param>
/// <param name="StoredBytes">Bytes written to the destination, after compression.</param>
/// <param name="Sha256Hex">Lowercase hex SHA-256 of the stored bytes, as <c>sha256sum</c> prints it.</param>
/// <param name="Duration">From the first read to the last write.</param>
internal sealed record PipelineResult(long RawBytes, long StoredBytes, string Sha256Hex, TimeSpan Duration)
{
    /// <summary>Lowercase hex SHA-256 of the compressed bytes before encryption; null when the artifact is not encrypted.</summary>
    public string? PlaintextSha256Hex { get; init; }
}

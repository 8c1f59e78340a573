namespace VolumeAgent.Pipeline;

/// <summary>Sees the raw (uncompressed) bytes as they pass through the pipeline, without a second copy.</summary>
internal interface IRawStreamObserver
{
    /// <summary>Called for each block read from the source, in order; the span is valid only during the call.</summary>
    void OnData(ReadOnlySpan<byte> data);

    /// <summary>Called once after the source ended; may throw to fail the pipeline (for example on a corrupt archive).</summary>
    void Complete();
}

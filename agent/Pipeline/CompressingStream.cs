using VolumeAgent.IO;

namespace VolumeAgent.Pipeline;

/// <summary>
/// A write-only compressing stream. <see cref="CompleteAsync"/> writes the end of the compressed data;
/// <see cref="Abort"/> abandons it so that disposing writes nothing more to the output (used after a failure,
/// when the partial output is discarded anyway). Disposing a stream that was neither completed nor aborted
/// completes it, as other .NET compression streams do.
/// </summary>
internal abstract class CompressingStream : WriteOnlyStream
{
    public abstract ValueTask CompleteAsync(CancellationToken cancellationToken);

    public abstract void Abort();
}

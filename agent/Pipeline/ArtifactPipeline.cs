using System.Buffers;

using VolumeAgent.Crypto;
using VolumeAgent.Crypto.Age;
using VolumeAgent.IO;

namespace VolumeAgent.Pipeline;

/// <summary>
/// Streams one artifact: source → (observer) → compression → (SHA-256 of the plaintext → age encryption) →
/// SHA-256 and count → destination, with pooled buffers and nothing held whole in memory. A failure or cancellation propagates as it came; the partly
/// written destination is the caller's to discard.
/// </summary>
internal sealed class ArtifactPipeline
{
    internal const int ReadBufferSize = 256 * 1024;

    private readonly TimeProvider _timeProvider;
    private readonly int? _threads;

    /// <param name="threads">Compression threads; null means one per processor.</param>
    public ArtifactPipeline(TimeProvider timeProvider, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "Compression needs at least one thread.");
        }

        _timeProvider = timeProvider;
        _threads = threads;
    }

    public Task<PipelineResult> RunAsync(
        Stream source, Stream destination, CompressionKind kind, int? level, CancellationToken cancellationToken) =>
        RunAsync(source, destination, Compressors.Create(kind, level, _threads), observer: null, cancellationToken);

    public Task<PipelineResult> RunAsync(
        Stream source,
        Stream destination,
        CompressionKind kind,
        int? level,
        IRawStreamObserver? observer,
        CancellationToken cancellationToken) =>
        RunAsync(source, destination, Compressors.Create(kind, level, _threads), observer, cancellationToken);

    public Task<PipelineResult> RunAsync(
        Stream source,
        Stream destination,
        ICompressor compressor,
        IRawStreamObserver? observer,
        CancellationToken cancellationToken) =>
        RunAsync(source, destination, compressor, encryption: null, observer, cancellationToken);

    /// <param name="encryption">Null stores the compressed bytes; else they are stored as an age file, and the result has their SHA-256 too.</param>
    public async Task<PipelineResult> RunAsync(
        Stream source,
        Stream destination,
        ICompressor compressor,
        ArtifactEncryption? encryption,
        IRawStreamObserver? observer,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(compressor);
        cancellationToken.ThrowIfCancellationRequested();

        var started = _timeProvider.GetTimestamp();
        // The source (a socket drained, a tar parsed and hashed) is read on a task of its own, ahead of the
        // compression, hashing and writing below, so the two halves use both cores.
        await using var readAhead = new ReadAheadStream(source, leaveOpen: true);
        await using var counted = new CountingReadStream(readAhead, leaveOpen: true);
        await using var hashing = new HashingStream(destination, leaveOpen: true);
        AgeEncryptingStream? encrypting = encryption?.Open(hashing);
        HashingStream? plain = encrypting is null ? null : new HashingStream(encrypting, leaveOpen: true);
        var compressing = compressor.Open((Stream?)plain ?? hashing, leaveOpen: true);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            int read;
            while ((read = await counted.ReadAsync(buffer.AsMemory(0, ReadBufferSize), cancellationToken)) > 0)
            {
                observer?.OnData(buffer.AsSpan(0, read));
                await compressing.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            observer?.Complete();
            await compressing.CompleteAsync(cancellationToken);
            if (encrypting is not null)
            {
                await encrypting.CompleteAsync(cancellationToken);
            }

            await hashing.FlushAsync(cancellationToken);
            return new PipelineResult(
                counted.BytesRead,
                hashing.BytesWritten,
                hashing.FinishHash(),
                _timeProvider.GetElapsedTime(started)) { PlaintextSha256Hex = plain?.FinishHash() };
        }
        catch
        {
            compressing.Abort();
            throw;
        }
        finally
        {
            await compressing.DisposeAsync();
            if (plain is not null)
            {
                await plain.DisposeAsync();
            }

            if (encrypting is not null)
            {
                await encrypting.DisposeAsync();
            }

            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

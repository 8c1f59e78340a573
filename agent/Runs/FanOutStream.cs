using Serilog;
using VolumeAgent.IO;
using VolumeAgent.Storage;

namespace VolumeAgent.Runs;

/// <summary>
/// Writes every byte to the stream of each storage of a run, all storages at once. With several storages, one whose
/// write fails (down, full, refusing) is given up (<see cref="StorageTarget.Fail"/>) and the others go on; only when
/// none is left does a write throw. With one storage its failure is the write's failure, unchanged.
/// </summary>
internal sealed class FanOutStream : WriteOnlyStream
{
    private readonly IReadOnlyList<(StorageTarget Target, Stream Stream)> _outputs;
    private readonly ArtifactTargets _targets;
    private readonly ILogger _log;

    public FanOutStream(IReadOnlyList<(StorageTarget Target, Stream Stream)> outputs, ArtifactTargets targets, ILogger log)
    {
        _outputs = outputs;
        _targets = targets;
        _log = log;
    }

    /// <summary>True when a failing storage is given up instead of failing the artifact: the job writes to several.</summary>
    private bool Tolerant => _targets.Storages.Count > 1;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Tolerant)
        {
            foreach (var (_, stream) in _outputs)
            {
                await stream.WriteAsync(buffer, cancellationToken);
            }

            return;
        }

        var live = Live();
        if (live.Count == 1)
        {
            await WriteOneAsync(live[0], buffer, cancellationToken);
        }
        else
        {
            await Task.WhenAll(live.Select(output => WriteOneAsync(output, buffer, cancellationToken)));
        }

        ThrowIfNoneLeft();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        foreach (var output in Tolerant ? Live() : _outputs)
        {
            try
            {
                output.Stream.Write(buffer);
            }
            catch (Exception ex) when (Tolerant && ex is not OperationCanceledException)
            {
                output.Target.Fail(ex.Message, _log);
            }
        }

        ThrowIfNoneLeft();
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var output in Tolerant ? Live() : _outputs)
        {
            try
            {
                await output.Stream.FlushAsync(cancellationToken);
            }
            catch (Exception ex) when (Tolerant && !cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
            {
                output.Target.Fail(ex.Message, _log);
            }
        }

        ThrowIfNoneLeft();
    }

    public override void Flush()
    {
        foreach (var output in Tolerant ? Live() : _outputs)
        {
            try
            {
                output.Stream.Flush();
            }
            catch (Exception ex) when (Tolerant && ex is not OperationCanceledException)
            {
                output.Target.Fail(ex.Message, _log);
            }
        }

        ThrowIfNoneLeft();
    }

    private List<(StorageTarget Target, Stream Stream)> Live() => [.. _outputs.Where(o => o.Target.Failure is null)];

    /// <summary>
    /// One storage's write. Whatever a storage throws (its library's own exceptions included) gives that storage up,
    /// except the step's cancellation, which ends every write.
    /// </summary>
    private async Task WriteOneAsync((StorageTarget Target, Stream Stream) output, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            await output.Stream.WriteAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            output.Target.Fail(ex.Message, _log);
        }
    }

    private void ThrowIfNoneLeft()
    {
        if (Tolerant && _outputs.All(o => o.Target.Failure is not null))
        {
            throw new StorageException(_targets.NoneLeft());
        }
    }
}

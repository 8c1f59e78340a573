using System.Runtime.ExceptionServices;
using VolumeAgent.IO;

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// A request body that remembers why it failed. The library's transport wraps whatever a body's read throws in an
/// <see cref="HttpRequestException"/>, so a restore whose artifact turned out corrupt would read as a lost engine; the
/// upload rethrows the body's own exception instead (<see cref="ThrowIfFailed"/>).
/// </summary>
internal sealed class ObservedReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private ExceptionDispatchInfo? _failure;

    public ObservedReadStream(Stream inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex)
        {
            _failure ??= ExceptionDispatchInfo.Capture(ex);
            throw;
        }
    }

    /// <summary>Rethrows, with its own stack, the first exception a read of the body threw, if one did.</summary>
    public void ThrowIfFailed() => _failure?.Throw();
}

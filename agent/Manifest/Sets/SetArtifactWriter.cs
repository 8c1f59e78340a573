using VolumeAgent.Storage;

namespace VolumeAgent.Manifest.Sets;

/// <summary>
/// An artifact of a <see cref="SetWriter"/>: the storage's upload, plus the rules every storage shares: a
/// SHA-256 to commit with, exactly one of commit and abort, and the set told which names it now holds.
/// </summary>
internal sealed class SetArtifactWriter : IArtifactWriter
{
    private readonly SetWriter _set;
    private readonly IObjectUpload _upload;
    private readonly Lock _gate = new();
    private State _state;

    public SetArtifactWriter(SetWriter set, string fileName, IObjectUpload upload)
    {
        _set = set;
        FileName = fileName;
        _upload = upload;
    }

    private enum State
    {
        Writing,
        Committing,
        Committed,
        Removed,
    }

    public string FileName { get; }

    public Stream Stream => _upload.Stream;

    public long BytesWritten => _upload.BytesWritten;

    public async Task CommitAsync(string sha256Hex, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256Hex);
        var sha256 = sha256Hex.ToLowerInvariant();
        if (!ManifestSerializer.IsSha256Hex(sha256))
        {
            throw new ArgumentException($"'{sha256Hex}' is not a SHA-256 hex digest (64 hex characters).", nameof(sha256Hex));
        }

        lock (_gate)
        {
            if (_state != State.Writing)
            {
                throw new InvalidOperationException(
                    $"Artifact '{FileName}' cannot be committed: it was already {(_state == State.Committed ? "committed" : "aborted or failed, and its partial file removed")}.");
            }

            _state = State.Committing;
        }

        try
        {
            await _upload.CommitAsync(cancellationToken);
        }
        catch
        {
            lock (_gate)
            {
                _state = State.Removed;
            }

            _set.OnArtifactRemoved(FileName);
            throw;
        }

        lock (_gate)
        {
            _state = State.Committed;
        }

        _set.OnArtifactCommitted(FileName, sha256, BytesWritten);
    }

    public async Task AbortAsync()
    {
        lock (_gate)
        {
            if (_state != State.Writing)
            {
                return;
            }

            _state = State.Removed;
        }

        await _upload.AbortAsync();
        _set.OnArtifactRemoved(FileName);
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync();
        await _upload.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using Amazon.S3.Model;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// One object streamed to S3 while it is produced. Bytes fill a part buffer; a full buffer is uploaded as a part of a
/// multipart upload while the next one fills, at most <see cref="S3StorageOptions.PartsInFlight"/> at once, so memory
/// stays at (parts in flight + 1) × part size. An object smaller than one part is sent whole at commit. The upload
/// id is recorded in a marker object (<c>.&lt;name&gt;.partial</c>) next to it until the upload is completed or
/// aborted, so a sweep can abort what a crashed or cut-off run left (<see cref="S3ObjectStore.DeleteAsync"/>).
/// Nothing is visible under the object's name before the commit.
/// </summary>
internal sealed class S3Upload : IObjectUpload
{
    /// <summary>S3 numbers parts 1 to 10,000.</summary>
    public const int MaxParts = 10_000;

    private static readonly TimeSpan AbortTimeout = TimeSpan.FromMinutes(1);
    private readonly S3Connection _s3;
    private readonly S3Markers _markers;
    private readonly string _key;
    private readonly string _markerKey;
    private readonly int _partSize;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<byte[]> _free = [];
    private readonly List<PartETag> _parts = [];
    private readonly List<Task> _uploads = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly S3UploadStream _stream;
    private byte[]? _buffer;
    private int _filled;
    private int _partCount;
    private string? _uploadId;
    private Exception? _failure;
    private State _state;

    public S3Upload(S3Connection s3, S3Markers markers, string key, string markerKey)
    {
        _s3 = s3;
        _markers = markers;
        _key = key;
        _markerKey = markerKey;
        _partSize = s3.Options.PartSizeMiB * 1024 * 1024;
        _slots = new SemaphoreSlim(s3.Options.PartsInFlight);
        _stream = new S3UploadStream(this);
    }

    private enum State
    {
        Writing,
        Committing,
        Committed,
        Removed,
    }

    public Stream Stream => _stream;

    public long BytesWritten { get; private set; }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_state != State.Writing || _failure is not null)
            {
                throw new InvalidOperationException(
                    $"Artifact '{_key}' cannot be committed: it was already {(_state == State.Committed ? "committed" : "aborted or failed, and its upload removed")}.");
            }

            _state = State.Committing;
        }

        _stream.End();
        try
        {
            if (_uploadId is null)
            {
                var whole = _buffer ?? [];
                var length = _filled;
                await _s3.CallAsync($"uploading '{_key}'", ct => _s3.Client.PutObjectAsync(S3Requests.Put(_s3.Bucket, _key, whole, length), ct), cancellationToken);
            }
            else
            {
                if (_filled > 0)
                {
                    await SubmitPartAsync(cancellationToken);
                }

                await Task.WhenAll(_uploads);
                ThrowIfFailed();
                var parts = _parts.OrderBy(p => p.PartNumber).ToList();
                await _s3.CallAsync(
                    $"completing the upload of '{_key}'",
                    ct => _s3.Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = _s3.Bucket, Key = _key, UploadId = _uploadId, PartETags = parts }, ct),
                    cancellationToken);
                await _markers.DeleteQuietlyAsync(_markerKey, cancellationToken);
            }
        }
        catch (Exception)
        {
            await RemoveAsync();
            throw;
        }

        lock (_gate)
        {
            _state = State.Committed;
        }

        _buffer = null;
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

        await RemoveAsync();
    }

    public ValueTask DisposeAsync() => new(AbortAsync());

    internal async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfFailed();
        while (data.Length > 0)
        {
            _buffer ??= Rent();
            var count = Math.Min(data.Length, _partSize - _filled);
            data.Span[..count].CopyTo(_buffer.AsSpan(_filled));
            _filled += count;
            BytesWritten += count;
            data = data[count..];
            if (_filled == _partSize)
            {
                await SubmitPartAsync(cancellationToken);
            }
        }
    }

    /// <summary>Hands the full buffer to a part upload once fewer than the allowed parts are in flight.</summary>
    private async Task SubmitPartAsync(CancellationToken cancellationToken)
    {
        if (_uploadId is null)
        {
            var started = await _s3.CallAsync(
                $"starting the upload of '{_key}'",
                ct => _s3.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _s3.Bucket, Key = _key }, ct),
                cancellationToken);
            _uploadId = started.UploadId;
            await _markers.WriteAsync(_markerKey, new S3Marker(_key, started.UploadId), cancellationToken);
        }

        if (_partCount == MaxParts)
        {
            throw new StorageException(
                $"Artifact '{_key}' is larger than {MaxParts} parts of {_s3.Options.PartSizeMiB} MiB, the most one S3 upload can take. Raise 'part_size' of storage '{_s3.Options.Name}'.");
        }

        await _slots.WaitAsync(cancellationToken);
        if (_failure is not null)
        {
            _slots.Release();
            ThrowIfFailed();
        }

        var number = ++_partCount;
        var buffer = _buffer!;
        var length = _filled;
        _buffer = null;
        _filled = 0;
        _uploads.Add(Task.Run(() => UploadPartAsync(number, buffer, length), CancellationToken.None));
    }

    private async Task UploadPartAsync(int number, byte[] buffer, int length)
    {
        try
        {
            var response = await _s3.CallAsync(
                $"uploading part {number} of '{_key}'",
                ct => _s3.Client.UploadPartAsync(S3Requests.Part(_s3.Bucket, _key, _uploadId!, number, buffer, length), ct),
                _stop.Token);
            lock (_gate)
            {
                _parts.Add(new PartETag(number, response.ETag));
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                _failure ??= ex;
            }

            await _stop.CancelAsync();
        }
        finally
        {
            _free.Add(buffer);
            _slots.Release();
        }
    }

    private byte[] Rent() => _free.TryTake(out var buffer) ? buffer : new byte[_partSize];

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure is OperationCanceledException
                ? new StorageException($"The upload of '{_key}' to S3 storage '{_s3.Options.Name}' was stopped.", failure)
                : failure;
        }
    }

    /// <summary>Stops part uploads and aborts the multipart upload, so no parts stay stored (and billed).</summary>
    private async Task RemoveAsync()
    {
        lock (_gate)
        {
            _state = State.Removed;
        }

        _stream.End();
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_uploads);
        }
        catch (Exception)
        {
            // Part failures are recorded in _failure; here only their end matters.
        }

        _buffer = null;
        _free.Clear();
        if (_uploadId is { } uploadId)
        {
            using var timeout = new CancellationTokenSource(AbortTimeout);
            await _markers.AbortQuietlyAsync(_markerKey, new S3Marker(_key, uploadId), timeout.Token);
        }
    }
}

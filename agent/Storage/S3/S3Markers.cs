using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3.Model;

namespace VolumeAgent.Storage.S3;

/// <summary>An open multipart upload as its marker object records it: the key it will complete to, and its id.</summary>
internal readonly record struct S3Marker(string Key, string UploadId)
{
    public byte[] ToBytes() => Encoding.UTF8.GetBytes(UploadId + "\n" + Key + "\n");

    public static S3Marker? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2 ? new S3Marker(lines[1], lines[0]) : null;
    }
}

/// <summary>
/// The marker objects (<c>.&lt;name&gt;.partial</c>) of multipart uploads in progress: written when an upload starts,
/// removed when it completes or is aborted. A marker left over is what a sweep finds and aborts; the markers work on
/// servers that do not list multipart uploads.
/// </summary>
internal sealed class S3Markers(S3Connection s3)
{
    public Task WriteAsync(string markerKey, S3Marker marker, CancellationToken cancellationToken)
    {
        var bytes = marker.ToBytes();
        return s3.CallAsync(
            $"recording the upload of '{marker.Key}'",
            ct => s3.Client.PutObjectAsync(S3Requests.Put(s3.Bucket, markerKey, bytes, bytes.Length), ct),
            cancellationToken);
    }

    /// <summary>Reads a marker; null when it is gone or does not hold an upload.</summary>
    public async Task<S3Marker?> ReadAsync(string markerKey, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.Client.GetObjectAsync(new GetObjectRequest { BucketName = s3.Bucket, Key = markerKey }, cancellationToken);
            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return S3Marker.Parse(await reader.ReadToEndAsync(cancellationToken));
        }
        catch (AmazonServiceException ex) when (S3Errors.IsNotFound(ex))
        {
            return null;
        }
    }

    /// <summary>Aborts the upload, then removes its marker. The marker stays when the server could not be asked, so a later sweep tries again.</summary>
    /// <returns>Whether the upload is gone.</returns>
    public async Task<bool> AbortAsync(string markerKey, S3Marker marker, CancellationToken cancellationToken)
    {
        try
        {
            await s3.CallAsync(
                $"aborting the upload of '{marker.Key}'",
                ct => s3.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = s3.Bucket, Key = marker.Key, UploadId = marker.UploadId }, ct),
                cancellationToken);
        }
        catch (StorageException ex) when (ex.InnerException is AmazonServiceException service && IsGoneOrUnsupported(service))
        {
            // Gone already, or a server without abort (it keeps nothing a retry could remove).
        }

        await s3.CallAsync($"removing the marker of '{marker.Key}'", ct => s3.Client.DeleteObjectAsync(s3.Bucket, markerKey, ct), cancellationToken);
        return true;
    }

    /// <summary><see cref="AbortAsync"/> for a failing upload: its own failure is what the caller reports, so this one only tries.</summary>
    public async Task AbortQuietlyAsync(string markerKey, S3Marker marker, CancellationToken cancellationToken)
    {
        try
        {
            await AbortAsync(markerKey, marker, cancellationToken);
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            // The marker stays; the next run's sweep aborts the upload.
        }
    }

    /// <summary>Removes the marker of a completed upload; one left behind is swept later (aborting a completed upload is a no-op).</summary>
    public async Task DeleteQuietlyAsync(string markerKey, CancellationToken cancellationToken)
    {
        try
        {
            await s3.CallAsync("removing an upload marker", ct => s3.Client.DeleteObjectAsync(s3.Bucket, markerKey, ct), cancellationToken);
        }
        catch (StorageException)
        {
            // Harmless: a sweep removes it.
        }
    }

    private static bool IsGoneOrUnsupported(AmazonServiceException service) =>
        service.ErrorCode is "NoSuchUpload" or "NotImplemented" or "MethodNotAllowed"
        || service.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented;
}

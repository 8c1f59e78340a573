using Amazon.S3.Model;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// Upload requests over a buffer, built anew for every attempt (the stream starts at 0 each time). Payloads are signed
/// whole rather than sent <c>aws-chunked</c>, which not every S3-compatible server understands.
/// </summary>
internal static class S3Requests
{
    public static PutObjectRequest Put(string bucket, string key, byte[] buffer, int length) => new()
    {
        BucketName = bucket,
        Key = key,
        InputStream = new MemoryStream(buffer, 0, length, writable: false),
        AutoCloseStream = true,
        UseChunkEncoding = false,
    };

    public static UploadPartRequest Part(string bucket, string key, string uploadId, int number, byte[] buffer, int length) => new()
    {
        BucketName = bucket,
        Key = key,
        UploadId = uploadId,
        PartNumber = number,
        PartSize = length,
        InputStream = new MemoryStream(buffer, 0, length, writable: false),
        UseChunkEncoding = false,
    };
}

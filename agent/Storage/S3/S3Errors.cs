using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// Turns what the SDK throws into a <see cref="StorageException"/> whose message names the storage, the bucket, what
/// failed and the fix. Never includes a key: the SDK's messages name the access key id at most, and are not copied
/// for credential errors.
/// </summary>
internal static class S3Errors
{
    public static StorageException Translate(Exception exception, S3StorageOptions options, string what)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(options);
        if (exception is StorageException storage)
        {
            return storage;
        }

        var where = $"S3 storage '{options.Name}' (bucket '{options.Bucket}' at {options.Endpoint?.ToString() ?? "AWS region " + options.Region})";
        var (cause, fix) = Explain(exception, options);
        return new StorageException($"{where}: {what} failed: {cause}. {fix}", exception) { Path = $"s3://{options.Bucket}/{options.Prefix}" };
    }

    /// <summary>The SDK's error code (e.g. <c>NoSuchKey</c>) when the server answered with one.</summary>
    public static string? ErrorCode(Exception exception) =>
        exception is AmazonServiceException { ErrorCode: { Length: > 0 } code } ? code : null;

    public static bool IsNotFound(Exception exception) =>
        exception is AmazonServiceException service && (service.StatusCode == HttpStatusCode.NotFound || service.ErrorCode is "NoSuchKey" or "NoSuchUpload");

    private static (string Cause, string Fix) Explain(Exception exception, S3StorageOptions options)
    {
        if (exception is AmazonServiceException service && service.StatusCode != 0)
        {
            var answer = $"the server answered {(int)service.StatusCode} {service.ErrorCode ?? service.StatusCode.ToString()}";
            return service.ErrorCode switch
            {
                "InvalidAccessKeyId" => ("the server does not know the access key", "Check access_key / access_key_file (or AWS_ACCESS_KEY_ID) of this storage."),
                "SignatureDoesNotMatch" => ("the secret key does not match the access key", "Check secret_key / secret_key_file (or AWS_SECRET_ACCESS_KEY) of this storage."),
                "AccessDenied" or "AllAccessDisabled" => (answer + " (access denied)", "Give the key permission to list, read, write and delete objects in this bucket (and abort multipart uploads)."),
                "NoSuchBucket" => ($"bucket '{options.Bucket}' does not exist", "Create the bucket (the agent never creates one) or correct 'bucket'."),
                "AuthorizationHeaderMalformed" or "InvalidRegion" or "PermanentRedirect" =>
                    (answer, $"Check 'region' (now {options.Region}) and 'endpoint' of this storage."),
                "ExpiredToken" or "InvalidToken" => (answer, "The session token (AWS_SESSION_TOKEN) expired or is wrong: give the agent fresh credentials."),
                _ when (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests =>
                    ($"{answer} to {S3Connection.RetryAttempts + 1} attempts", "The server is failing or overloaded; check it and run the job again."),
                _ => (answer + (string.IsNullOrEmpty(service.Message) ? string.Empty : $" ({service.Message})"), "Check this storage's settings in backup.yml."),
            };
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return (socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "the endpoint refused the connection",
                    SocketError.ConnectionReset => "the connection was reset",
                    SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the endpoint's host name does not resolve",
                    SocketError.TimedOut => "the connection timed out",
                    _ => "the connection failed (" + socket.SocketErrorCode + ")",
                }, ReachFix(options));
            }
        }

        if (exception is HttpRequestException or IOException or TimeoutException or TaskCanceledException || exception.InnerException is HttpRequestException or IOException)
        {
            return ($"the endpoint could not be reached or broke the connection ({exception.GetBaseException().Message})", ReachFix(options));
        }

        return (exception.GetType().Name + ": " + exception.Message, "Check this storage's settings in backup.yml and the server.");
    }

    private static string ReachFix(S3StorageOptions options) =>
        $"Check that the S3 server at {options.Endpoint?.ToString() ?? "AWS"} runs and is reachable from the agent, and 'endpoint' is right; then run the job again.";
}

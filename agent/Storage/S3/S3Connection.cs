using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Polly;
using Polly.Retry;

namespace VolumeAgent.Storage.S3;

/// <summary>
/// One storage's client, keys and retry rule. Every call goes through <see cref="CallAsync{T}"/>: transient failures
/// (5xx answers, throttling, resets, a server that does not answer) are retried with exponential backoff, and what
/// still fails becomes a <see cref="StorageException"/> naming the storage, the bucket and the fix (<see cref="S3Errors"/>).
/// </summary>
internal sealed class S3Connection : IDisposable
{
    /// <summary>Retries after the first attempt: about 15 s of backoff in all before a call fails.</summary>
    public const int RetryAttempts = 4;

    private readonly ResiliencePipeline _retry;

    public S3Connection(S3StorageOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.PathStyle,
            AuthenticationRegion = options.Region,

            // Retries are this class's (per part, with backoff); the SDK's own would multiply them.
            MaxErrorRetry = 0,

            // Checksums only where S3 requires them: trailing checksums (aws-chunked uploads) are not understood by every
            // S3-compatible server, and each artifact's SHA-256 is checked against SHA256SUMS anyway.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            DisableLogging = true,
            Timeout = TimeSpan.FromMinutes(5),
        };
        if (options.Endpoint is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        }

        AWSCredentials credentials = options.SessionToken is { } token
            ? new SessionAWSCredentials(options.AccessKey.Reveal(), options.SecretKey.Reveal(), token.Reveal())
            : new BasicAWSCredentials(options.AccessKey.Reveal(), options.SecretKey.Reveal());
        Client = new AmazonS3Client(credentials, config);
        _retry = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = RetryAttempts,
                Delay = TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
            })
            .Build();
    }

    public S3StorageOptions Options { get; }

    public IAmazonS3 Client { get; }

    public string Bucket => Options.Bucket;

    /// <summary>The bucket and prefix as a URL, e.g. <c>s3://backups/hosts/web-1/ at http://minio:9000/</c>.</summary>
    public string Location => $"s3://{Options.Bucket}/{Options.Prefix} at {Options.Endpoint?.ToString() ?? "AWS " + Options.Region}";

    /// <summary>The key of a job's folder, a set's folder or an object in it; the prefix included.</summary>
    public string Key(params string[] parts) => Options.Prefix + string.Join('/', parts);

    /// <summary>Runs one S3 call with retries; failures become <see cref="StorageException"/>s that say what <paramref name="what"/> did.</summary>
    public async Task<T> CallAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(static async (state, ct) => await state(ct), call, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw S3Errors.Translate(ex, Options, what);
        }
    }

    public async Task CallAsync(string what, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        await CallAsync(
            what,
            async ct =>
            {
                await call(ct);
                return true;
            },
            cancellationToken);

    public void Dispose() => Client.Dispose();

    /// <summary>Worth another attempt: the server was busy or failing, or the connection broke or timed out.</summary>
    internal static bool IsTransient(Exception exception)
    {
        if (exception is AmazonServiceException service && service.StatusCode != 0)
        {
            var status = (int)service.StatusCode;
            if (status >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests || service.ErrorCode is "SlowDown" or "RequestTimeout")
            {
                return true;
            }

            if (status >= 400)
            {
                return false;
            }
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is HttpRequestException or SocketException or IOException or TimeoutException
                || (inner is TaskCanceledException && inner.InnerException is TimeoutException))
            {
                return true;
            }
        }

        return false;
    }
}

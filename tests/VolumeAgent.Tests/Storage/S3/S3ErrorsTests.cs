using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using VolumeAgent.Policy;
using VolumeAgent.Storage.S3;

namespace VolumeAgent.Tests.Storage.S3;

/// <summary>What a failed S3 call says: the storage, the bucket, the cause and the fix, never a key; and what is retried.</summary>
public sealed class S3ErrorsTests
{
    private static readonly S3StorageOptions Options = new()
    {
        Name = "offsite",
        Endpoint = new Uri("http://minio.internal:9000"),
        Bucket = "backups",
        AccessKey = new Secret("AKIAEXAMPLEKEY"),
        SecretKey = new Secret("very-secret-key"),
    };

    [Theory]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, "the secret key does not match the access key. Check secret_key / secret_key_file (or AWS_SECRET_ACCESS_KEY)")]
    [InlineData("InvalidAccessKeyId", HttpStatusCode.Forbidden, "the server does not know the access key. Check access_key / access_key_file (or AWS_ACCESS_KEY_ID)")]
    [InlineData("NoSuchBucket", HttpStatusCode.NotFound, "bucket 'backups' does not exist. Create the bucket (the agent never creates one) or correct 'bucket'.")]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, "the server answered 403 AccessDenied (access denied). Give the key permission")]
    [InlineData("ServiceUnavailable", HttpStatusCode.ServiceUnavailable, "the server answered 503 ServiceUnavailable to 5 attempts. The server is failing or overloaded")]
    public void Translate_ServerAnswer_NamesStorageBucketCauseAndFix(string code, HttpStatusCode status, string expected)
    {
        var answer = new AmazonS3Exception("AKIAEXAMPLEKEY very-secret-key") { ErrorCode = code, StatusCode = status };

        var error = S3Errors.Translate(answer, Options, "writing a probe object");

        error.Message.Should().StartWith("S3 storage 'offsite' (bucket 'backups' at http://minio.internal:9000/): writing a probe object failed: ")
            .And.Contain(expected);
        if (code is "SignatureDoesNotMatch" or "InvalidAccessKeyId" or "NoSuchBucket")
        {
            error.Message.Should().NotContain("very-secret-key").And.NotContain("AKIAEXAMPLEKEY");
        }
    }

    [Fact]
    public void Translate_RefusedConnection_SaysTheEndpointIsDown()
    {
        var refused = new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused));

        var error = S3Errors.Translate(refused, Options, "listing 'web/'");

        error.Message.Should().Contain("the endpoint refused the connection. Check that the S3 server at http://minio.internal:9000/ runs and is reachable");
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "InternalError", true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "SlowDown", true)]
    [InlineData(HttpStatusCode.Forbidden, "AccessDenied", false)]
    [InlineData(HttpStatusCode.NotFound, "NoSuchBucket", false)]
    public void IsTransient_ServerAnswers_RetriesOnlyFailuresOfTheServer(HttpStatusCode status, string code, bool transient) =>
        S3Connection.IsTransient(new AmazonS3Exception("x") { StatusCode = status, ErrorCode = code }).Should().Be(transient);

    [Fact]
    public void IsTransient_ResetConnection_IsRetried() =>
        S3Connection.IsTransient(new HttpRequestException("reset", new IOException("reset", new SocketException((int)SocketError.ConnectionReset)))).Should().BeTrue();
}

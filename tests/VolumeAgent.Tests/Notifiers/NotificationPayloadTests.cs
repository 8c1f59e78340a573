using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VolumeAgent.Manifest;
using VolumeAgent.Notifiers;
using VolumeAgent.Notifiers.Delivery;
using VolumeAgent.Notifiers.Ntfy;
using VolumeAgent.Notifiers.Ping;
using VolumeAgent.Notifiers.Slack;
using VolumeAgent.Notifiers.Webhook;
using VolumeAgent.Operations;
using VolumeAgent.Runs;

namespace VolumeAgent.Tests.Notifiers;

/// <summary>Payload building, the webhook signature, the backoff and the ping URLs: pure, no receiver.</summary>
public sealed class NotificationPayloadTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 29, 2, 0, 0, TimeSpan.Zero);

    internal static RunEnded FailedRun() => new()
    {
        Job = "nightly",
        At = Start.AddSeconds(42),
        Trigger = ManifestTrigger.Schedule,
        StartedAt = Start,
        Result = new RunResult
        {
            Job = "nightly",
            RunId = RunId.Parse("1a2b3c4d"),
            Status = ManifestStatus.Failed,
            StartedAt = Start,
            FinishedAt = Start.AddSeconds(42),
            SetName = "20260329T020000Z-1a2b3c4d",
            Error = "1 of 2 artifact(s) failed.",
            Artifacts =
            [
                Artifact("data", "volume-data.tar.gz", ManifestStatus.Succeeded, null),
                Artifact("db", null, ManifestStatus.Failed, "pg_dump exited with code 1: connection refused"),
            ],
        },
    };

    [Fact]
    public void Ended_FailedRun_NamesTheJobTheSourceAndTheError()
    {
        var n = NotificationBuilder.Ended(FailedRun());

        n.Should().BeEquivalentTo(new { Kind = NotificationKind.Failure, Job = "nightly", RunId = "1a2b3c4d", Status = "failed", RawBytes = 6000L, StoredBytes = 1000L });
        n.Failed.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Source = "postgres db", Error = "pg_dump exited with code 1: connection refused" });
        NotificationText.Body(n).Should().Contain("Job: nightly").And.Contain("- postgres db: pg_dump exited with code 1: connection refused").And.Contain("Duration: 42s");
    }

    [Fact]
    public void Ended_RunBrokenOffInRetention_IsARetentionError()
    {
        var ended = new RunEnded
        {
            Job = "nightly", At = Start, Trigger = ManifestTrigger.Manual, StartedAt = Start, Error = "disk gone",
            Failure = new RetentionFailedException("local", new IOException("disk gone")),
        };

        NotificationBuilder.Ended(ended).Should().BeEquivalentTo(new { Kind = NotificationKind.RetentionError, Status = "failed", Error = "disk gone" });
        NotificationBuilder.Ended(ended with { Failure = new InvalidOperationException("x") }).Kind.Should().Be(NotificationKind.Failure);
    }

    [Fact]
    public void WebhookBody_HoldsTheRunItsSizesAndTheFailedArtifacts()
    {
        using var json = JsonDocument.Parse(WebhookNotifier.Body(NotificationBuilder.Ended(FailedRun())));
        var root = json.RootElement;

        root.GetProperty("event").GetString().Should().Be("failure");
        root.GetProperty("job").GetString().Should().Be("nightly");
        root.GetProperty("run_id").GetString().Should().Be("1a2b3c4d");
        root.GetProperty("status").GetString().Should().Be("failed");
        root.GetProperty("set").GetString().Should().Be("20260329T020000Z-1a2b3c4d");
        root.GetProperty("stored_bytes").GetInt64().Should().Be(1000);
        root.GetProperty("duration_seconds").GetDouble().Should().Be(42);
        root.GetProperty("artifacts").GetArrayLength().Should().Be(2);
        var failed = root.GetProperty("failed_artifacts").EnumerateArray().Should().ContainSingle().Subject;
        failed.GetProperty("source").GetString().Should().Be("postgres db");
        failed.GetProperty("error").GetString().Should().Contain("connection refused");
    }

    [Fact]
    public void Signature_IsTheHexHmacSha256OfTheBody()
    {
        var body = Encoding.UTF8.GetBytes("{\"job\":\"nightly\"}");
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("k3y"), body));

        WebhookNotifier.Signature("k3y", body).Should().Be("sha256=" + expected);

        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        WebhookNotifier.Signature("Jefe", Encoding.ASCII.GetBytes("what do ya want for nothing?"))
            .Should().Be("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    [Fact]
    public void SlackBody_CarriesTheMessageForSlackAndDiscord()
    {
        using var json = JsonDocument.Parse(SlackNotifier.Body(NotificationBuilder.Ended(FailedRun())));

        var text = json.RootElement.GetProperty("text").GetString();
        text.Should().StartWith("*Backup of nightly FAILED*").And.Contain("connection refused");
        json.RootElement.GetProperty("content").GetString().Should().Be(text);
    }

    [Fact]
    public void NtfyHeaders_FailureIsHighPriority_SuccessDefault()
    {
        var failure = NtfyNotifier.Headers(NotificationBuilder.Ended(FailedRun()));
        failure.Should().Contain(("Title", "Backup of nightly FAILED")).And.Contain(("Priority", "high"));

        var missed = NotificationBuilder.Missed("nightly", TimeSpan.FromHours(26), null, Start);
        NtfyNotifier.Headers(missed).Should().Contain(("Title", "Backup of nightly MISSED its schedule"));
    }

    [Theory]
    [InlineData("https://hc-ping.com/abc", "Started", "https://hc-ping.com/abc/start")]
    [InlineData("https://hc-ping.com/abc/", "Success", "https://hc-ping.com/abc")]
    [InlineData("https://hc-ping.com/abc?rid=1", "Failure", "https://hc-ping.com/abc/fail?rid=1")]
    [InlineData("http://127.0.0.1:8000/ping/x", "Missed", "http://127.0.0.1:8000/ping/x/fail")]
    public void PingUrl_AppendsTheOutcome(string url, string kind, string expected)
    {
        PingNotifier.UrlFor(new Uri(url), Enum.Parse<NotificationKind>(kind)).AbsoluteUri.Should().Be(expected);
    }

    [Fact]
    public void Backoff_DoublesUpToItsLimitsAndStopsWithinTheTotalBound()
    {
        var backoff = Backoff.Default;

        backoff.DelayBefore(2, TimeSpan.Zero).Should().Be(TimeSpan.FromSeconds(1));
        backoff.DelayBefore(3, TimeSpan.FromSeconds(2)).Should().Be(TimeSpan.FromSeconds(2));
        backoff.DelayBefore(4, TimeSpan.FromSeconds(5)).Should().Be(TimeSpan.FromSeconds(4));
        backoff.DelayBefore(5, TimeSpan.FromSeconds(10)).Should().BeNull("four attempts at most");
        backoff.DelayBefore(4, TimeSpan.FromSeconds(27)).Should().BeNull("no attempt starts after 30 s");
        (backoff with { MaxAttempts = 10 }).DelayBefore(8, TimeSpan.Zero).Should().Be(TimeSpan.FromSeconds(8), "waits are capped");
    }

    private static ManifestArtifact Artifact(string source, string? file, ManifestStatus status, string? error) => new()
    {
        File = file,
        SourceKind = file is null ? ManifestSourceKind.FromName("postgres") : ManifestSourceKind.FromName("volume"),
        SourceName = source,
        Format = ManifestArtifactFormat.FromName("tar"),
        Compression = ManifestCompression.Gzip,
        RawBytes = 3000,
        StoredBytes = file is null ? 0 : 1000,
        Sha256 = null,
        Status = status,
        StartedAt = Start,
        DurationMs = 1000,
        Error = error,
    };
}

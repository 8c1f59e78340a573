namespace VolumeAgent.Policy.Notify;

/// <summary>What a notification target is: how the agent reaches it.</summary>
internal enum NotifyType
{
    Webhook,
    Slack,
    Ntfy,
    Email,
    Ping,
}

/// <summary>What a target is told about (its <c>on</c> list).</summary>
internal enum NotifyEvent
{
    /// <summary>A run of a job failed (a source, a storage, a hook, or it was cancelled).</summary>
    Failure,

    /// <summary>A run of a job succeeded.</summary>
    Success,

    /// <summary>A verification or a drill of a set failed.</summary>
    VerifyFailure,

    /// <summary>A run failed while it applied the job's retention.</summary>
    RetentionError,

    /// <summary>No successful run of a job within its <c>max_age</c> (checked by the daemon).</summary>
    Missed,
}

/// <summary>One entry under the root <c>notify</c> map.</summary>
internal sealed record NotifyTarget
{
    /// <summary>The key under <c>notify</c>; jobs name it in their own <c>notify</c> list.</summary>
    public required string Name { get; init; }

    public required NotifyType Type { get; init; }

    /// <summary>The events this target is told about.</summary>
    public required IReadOnlySet<NotifyEvent> On { get; init; }

    /// <summary>The http(s) URL posted to (every type but email); it may hold a token, so it is a secret and never logged.</summary>
    public Secret? Url { get; init; }

    /// <summary>A webhook's HMAC-SHA256 key: the body's signature goes in <c>X-VolumeAgent-Signature</c>.</summary>
    public Secret? SigningKey { get; init; }

    /// <summary>An email target's server and addresses; null for the other types.</summary>
    public EmailSettings? Email { get; init; }
}

/// <summary>How an email target reaches its SMTP server.</summary>
internal sealed record EmailSettings
{
    public required string SmtpHost { get; init; }

    public required int SmtpPort { get; init; }

    /// <summary>Upgrade the connection with STARTTLS, and fail when the server cannot.</summary>
    public required bool StartTls { get; init; }

    /// <summary>PEM certificate(s) of the CA the server's certificate must chain to, instead of the system's CAs (a private mail relay).</summary>
    public string? CaFile { get; init; }

    public string? Username { get; init; }

    public Secret? Password { get; init; }

    public required string From { get; init; }

    public required IReadOnlyList<string> To { get; init; }
}

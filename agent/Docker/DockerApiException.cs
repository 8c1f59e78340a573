using System.Net;

namespace VolumeAgent.Docker;

/// <summary>The engine answered a request with an error.</summary>
internal class DockerApiException : Exception
{
    public DockerApiException(string operation, HttpStatusCode statusCode, string? engineMessage)
        : base(BuildMessage(operation, statusCode, engineMessage))
    {
        Operation = operation;
        StatusCode = statusCode;
        EngineMessage = engineMessage;
    }

    public DockerApiException()
    {
        Operation = string.Empty;
    }

    public DockerApiException(string message)
        : base(message)
    {
        Operation = string.Empty;
    }

    public DockerApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = string.Empty;
    }

    /// <summary>What was asked, e.g. "inspect container db".</summary>
    public string Operation { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The engine's own words, when it gave any.</summary>
    public string? EngineMessage { get; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    private static string BuildMessage(string operation, HttpStatusCode statusCode, string? engineMessage)
    {
        var detail = string.IsNullOrWhiteSpace(engineMessage) ? "no message" : engineMessage.Trim();
        return $"Docker engine refused to {operation} (HTTP {(int)statusCode}): {detail}";
    }
}

/// <summary>
/// An exec that needs stdin was answered <c>200</c> instead of <c>101</c>: something between the agent and the engine
/// (a socket proxy) dropped the connection upgrade, so nothing the agent writes would reach the command. Thrown before
/// anything is written; an exec without stdin runs through the same proxy.
/// </summary>
internal sealed class ExecUpgradeRefusedException : DockerApiException
{
    public ExecUpgradeRefusedException(string operation, string detail)
        : base(operation, HttpStatusCode.OK, detail)
    {
    }

    public ExecUpgradeRefusedException()
    {
    }

    public ExecUpgradeRefusedException(string message)
        : base(message)
    {
    }

    public ExecUpgradeRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What happened and the fix, for the exec start at <paramref name="path"/> (without API version).</summary>
    public static string Explain(string path) =>
        $"POST {path} was answered 200 instead of 101 Switching Protocols: a proxy in front of the engine dropped the connection "
        + "upgrade (haproxy 2.4 to 3.0 do, haproxy#2684), so a command fed on stdin (a database restore, a dump check) gets no input "
        + "through it. Put a proxy that passes the upgrade in front of the engine (haproxy 3.1 or later, or a release with the "
        + "haproxy#2684 fix) or none; dumps and hooks, which take no stdin, do run through it";
}

/// <summary>
/// A pause the kernel could not carry out within the bound: a process in the container stayed in uninterruptible
/// sleep (waiting on disk or network I/O), which the freezer cannot stop. The engine leaves the container running.
/// </summary>
internal sealed class ContainerFreezeException : DockerApiException
{
    public ContainerFreezeException(string container, int attempts, TimeSpan waited, DockerApiException refusal)
        : base(Explain(container, attempts, waited, refusal?.EngineMessage ?? string.Empty), refusal!)
    {
        Attempts = attempts;
        Waited = waited;
    }

    public ContainerFreezeException()
    {
    }

    public ContainerFreezeException(string message)
        : base(message)
    {
    }

    public ContainerFreezeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Attempts { get; }

    public TimeSpan Waited { get; }

    /// <summary>
    /// The engine's answer when the freezer gave up: runc says "unable to freeze" on cgroup v1 (after about 0.3 s) and
    /// "timeout of 10s reached waiting for the cgroup to freeze" on cgroup v2.
    /// </summary>
    public static bool IsFreezeRefusal(DockerApiException exception) =>
        exception?.EngineMessage is { } message
        && (message.Contains("unable to freeze", StringComparison.Ordinal) || message.Contains("waiting for the cgroup to freeze", StringComparison.Ordinal));

    /// <summary>The same failure, naming the container as the user knows it.</summary>
    public ContainerFreezeException Naming(string container) => new(container, Attempts, Waited, (DockerApiException)InnerException!);

    private static string Explain(string container, int attempts, TimeSpan waited, string engineMessage) =>
        $"Could not pause container {container}: for {waited.TotalSeconds:0.#} s ({attempts} attempts) the kernel could not freeze it, "
        + "because a process in it stayed in uninterruptible sleep, waiting on disk or network I/O; the container was left running. "
        + $"`docker top {container} -o pid,stat,comm` shows such a process in state D: find what its I/O waits on, or schedule the job "
        + $"when the container is quieter. The engine said: {engineMessage.Trim()}";
}

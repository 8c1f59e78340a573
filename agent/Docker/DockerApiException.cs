using System.Net;

namespace VolumeAgent.Docker;

/// <summary>The engine answered a request with an error.</summary>
internal sealed class DockerApiException : Exception
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

namespace VolumeAgent.Docker.Engine.Remote;

/// <summary>
/// A remote engine could not be reached for a reason said in full (certificate, host key, login, ssh): the message
/// names the endpoint and the fix, and becomes a <see cref="DockerUnavailableException"/> (<see cref="EngineErrors"/>).
/// <see cref="Permanent"/> failures (a certificate, a host key) are not retried: asking again gives the same answer.
/// </summary>
internal sealed class RemoteEngineException : IOException
{
    public RemoteEngineException(string message, bool permanent, Exception? innerException = null)
        : base(message, innerException)
    {
        Permanent = permanent;
    }

    public RemoteEngineException()
    {
    }

    public RemoteEngineException(string message)
        : base(message)
    {
    }

    public RemoteEngineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public bool Permanent { get; }
}

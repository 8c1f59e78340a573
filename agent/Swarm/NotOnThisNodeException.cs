namespace VolumeAgent.Swarm;

/// <summary>
/// A source or a container names a Swarm service that has no task running on this node: another node's agent backs it
/// up (or stops it), so this node's run skips it rather than failing.
/// </summary>
internal sealed class NotOnThisNodeException : Exception
{
    public NotOnThisNodeException()
    {
    }

    public NotOnThisNodeException(string message)
        : base(message)
    {
    }

    public NotOnThisNodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

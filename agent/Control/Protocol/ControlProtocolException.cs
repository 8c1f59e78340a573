namespace VolumeAgent.Control.Protocol;

/// <summary>The other end of the control socket sent something that is not a line of the protocol.</summary>
internal sealed class ControlProtocolException : Exception
{
    public ControlProtocolException()
    {
    }

    public ControlProtocolException(string message)
        : base(message)
    {
    }

    public ControlProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

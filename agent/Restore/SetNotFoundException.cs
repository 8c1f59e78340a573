namespace VolumeAgent.Restore;

/// <summary>The set a command named is not there, or the name fits several; the message lists what is.</summary>
internal sealed class SetNotFoundException : Exception
{
    public SetNotFoundException()
    {
    }

    public SetNotFoundException(string message)
        : base(message)
    {
    }

    public SetNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

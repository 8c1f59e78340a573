namespace VolumeAgent.Restore;

/// <summary>The set a command named exists, but no storage holds a complete copy: it is incomplete or its manifest is corrupt.</summary>
internal sealed class SetUnusableException : Exception
{
    public SetUnusableException()
    {
    }

    public SetUnusableException(string message)
        : base(message)
    {
    }

    public SetUnusableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace VolumeAgent.Restore;

/// <summary>An archive entry would land outside the restore target; the archive is refused before extraction.</summary>
internal sealed class UnsafeEntryException : Exception
{
    public UnsafeEntryException()
    {
    }

    public UnsafeEntryException(string message)
        : base(message)
    {
    }

    public UnsafeEntryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

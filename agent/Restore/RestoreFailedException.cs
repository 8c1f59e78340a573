namespace VolumeAgent.Restore;

/// <summary>A restore step failed after writing had begun; the message says what was restored, what failed and how.</summary>
internal sealed class RestoreFailedException : Exception
{
    public RestoreFailedException()
    {
    }

    public RestoreFailedException(string message)
        : base(message)
    {
    }

    public RestoreFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

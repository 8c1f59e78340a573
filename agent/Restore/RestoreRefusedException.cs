namespace VolumeAgent.Restore;

/// <summary>A restore was refused before anything was written: a damaged artifact, an unsafe archive, a target in use. The message names each reason.</summary>
internal sealed class RestoreRefusedException : Exception
{
    public RestoreRefusedException()
    {
    }

    public RestoreRefusedException(string message)
        : base(message)
    {
    }

    public RestoreRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

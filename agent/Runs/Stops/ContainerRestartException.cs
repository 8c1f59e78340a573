namespace VolumeAgent.Runs.Stops;

/// <summary>A container the agent stopped for a backup did not start again, or its journal could not be read to do so.</summary>
internal sealed class ContainerRestartException : Exception
{
    public ContainerRestartException()
    {
    }

    public ContainerRestartException(string message)
        : base(message)
    {
    }

    public ContainerRestartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

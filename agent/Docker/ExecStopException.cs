namespace VolumeAgent.Docker;

/// <summary>An exec the agent ended could not be confirmed gone; the message names the container, the program and what is left.</summary>
internal sealed class ExecStopException : Exception
{
    public ExecStopException()
    {
    }

    public ExecStopException(string message)
        : base(message)
    {
    }

    public ExecStopException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace VolumeAgent.Docker;

/// <summary>
/// DOCKER_HOST (or the TLS variables beside it) names an engine the agent cannot use: a mistake in the environment,
/// reported as a configuration error by every command, never a crash. Its message says what form is expected.
/// </summary>
internal sealed class DockerHostException : ArgumentException
{
    public DockerHostException(string message)
        : base(message)
    {
    }

    public DockerHostException()
    {
    }

    public DockerHostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace VolumeAgent.Cli;

internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work ran and something in it failed (a job, an artifact, a check).</summary>
    public const int Failure = 1;

    /// <summary>The configuration is wrong; nothing ran.</summary>
    public const int ConfigurationError = 2;

    /// <summary>The Docker engine could not be reached.</summary>
    public const int EngineUnavailable = 3;

    public const int Cancelled = 130;
}

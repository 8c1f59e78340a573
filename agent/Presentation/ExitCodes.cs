namespace VolumeAgent.Presentation;

internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work ran and something in it failed (a job, an artifact, a check), or the engine was unreachable.</summary>
    public const int Failure = 1;

    /// <summary>The configuration or the command line is wrong; nothing ran.</summary>
    public const int ConfigurationError = 2;

    public const int Cancelled = 130;
}

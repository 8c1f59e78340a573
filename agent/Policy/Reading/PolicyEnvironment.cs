namespace VolumeAgent.Policy.Reading;

/// <summary>What the loader reads from outside backup.yml: environment variables for <c>${VAR}</c> and secret files for <c>*_file</c> keys.</summary>
internal sealed class PolicyEnvironment
{
    public static PolicyEnvironment Default { get; } = new();

    /// <summary>Returns the variable's value, or null when it is not set.</summary>
    public Func<string, string?> GetVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Returns a file's whole text; throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when it cannot.</summary>
    public Func<string, string> ReadFile { get; init; } = PolicyFileReader.ReadSecret;
}

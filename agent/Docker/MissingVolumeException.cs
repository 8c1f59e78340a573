namespace VolumeAgent.Docker;

/// <summary>
/// A container could not be created because a volume it mounts with <see cref="Models.MountSpec.MustExist"/> does not
/// exist; nothing was created, not even the volume.
/// </summary>
internal sealed class MissingVolumeException : Exception
{
    /// <summary>
    /// The option a must-exist mount gives the local volume driver: one it does not know, so it refuses to create a
    /// volume with it (the engine answers "create NAME: invalid option"), while a volume that exists is mounted as it is.
    /// </summary>
    public const string DriverOption = "volume-agent-must-exist";

    public MissingVolumeException()
    {
    }

    public MissingVolumeException(string message)
        : base(message)
    {
    }

    public MissingVolumeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public string Volume { get; init; } = string.Empty;

    public static MissingVolumeException Of(string volume, Exception innerException) =>
        new($"Volume '{volume}' does not exist on this engine.", innerException) { Volume = volume };

    /// <summary>
    /// The must-exist mount <paramref name="refusal"/> names, when the engine refused a creation because of the
    /// option (so because that volume is missing); null for any other refusal.
    /// </summary>
    public static string? MissingOf(DockerApiException refusal, IEnumerable<Models.MountSpec>? mounts)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (refusal.EngineMessage is not { } message || !message.Contains(DriverOption, StringComparison.Ordinal))
        {
            return null;
        }

        var candidates = (mounts ?? []).Where(m => m is { MustExist: true, Type: "volume", Source: not null }).Select(m => m.Source!).ToList();
        return candidates.FirstOrDefault(v => message.Contains($"create {v}:", StringComparison.Ordinal)) ?? candidates.FirstOrDefault();
    }
}

namespace VolumeAgent.Docker.Engine;

/// <summary>
/// The API versions the agent speaks, and the choice among them for one engine. Written here because the library
/// does not negotiate: it sends the version it is given (or none), and an engine older than that refuses every call.
/// </summary>
internal static class ApiVersion
{
    /// <summary>The newest API version whose shapes the agent relies on; engines that speak less are asked in theirs.</summary>
    public const string Max = "1.47";

    /// <summary>The oldest API version the agent works with (Docker Engine 20.10).</summary>
    public const string Min = "1.41";

    /// <summary>
    /// The version requests are made in for an engine that speaks <paramref name="engineApiVersion"/>: the older of
    /// the engine's and <see cref="Max"/>; <see cref="Min"/> when the engine did not say. Throws
    /// <see cref="DockerApiException"/>, saying to upgrade, for an engine older than <see cref="Min"/>.
    /// </summary>
    public static string Negotiate(string? engineApiVersion)
    {
        if (string.IsNullOrWhiteSpace(engineApiVersion) || !Version.TryParse(engineApiVersion, out var engine))
        {
            return Min;
        }

        if (engine < Version.Parse(Min))
        {
            throw new DockerApiException(
                $"The Docker engine speaks API {engineApiVersion}, older than the {Min} this agent needs (Docker Engine 20.10 or newer). Upgrade the engine.");
        }

        return engine > Version.Parse(Max) ? Max : engineApiVersion;
    }
}

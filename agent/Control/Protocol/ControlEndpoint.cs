using System.Text;

namespace VolumeAgent.Control.Protocol;

/// <summary>
/// Where the daemon's control socket is: <c>$VOLUME_AGENT_CONTROL</c>; else <see cref="DefaultPath"/> when its
/// folder can be made (root in a container); else <c>control.sock</c> in the state directory.
/// </summary>
internal static class ControlEndpoint
{
    public const string EnvironmentVariable = "VOLUME_AGENT_CONTROL";
    public const string DefaultPath = "/run/volume-agent/control.sock";
    public const string FileName = "control.sock";

    /// <summary>sun_path holds 108 bytes with the terminating zero.</summary>
    public const int MaxPathBytes = 107;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The path the daemon listens on; creates its folder (owner-only) when missing.</summary>
    /// <exception cref="InvalidOperationException">No usable folder, or the path is too long for a unix socket.</exception>
    public static string ForDaemon(string stateDir, Func<string, string?>? environment = null)
    {
        if (Configured(environment) is { } configured)
        {
            return Checked(configured, $"${EnvironmentVariable}", create: true);
        }

        if (TryCreateFolder(Path.GetDirectoryName(DefaultPath)!))
        {
            return DefaultPath;
        }

        return Checked(Path.Combine(stateDir, FileName), "the state directory", create: true);
    }

    /// <summary>
    /// The paths a client tries, in order: the configured one alone, else the state directory's and the default.
    /// A daemon found on one of them answers only commands of its own configuration (<see cref="ConfigIdentity"/>).
    /// </summary>
    public static IReadOnlyList<string> ForClient(string? stateDir, Func<string, string?>? environment = null)
    {
        var configured = Configured(environment);
        if (configured is not null)
        {
            return [configured];
        }

        return stateDir is null ? [DefaultPath] : [Path.Combine(stateDir, FileName), DefaultPath];
    }

    /// <summary>The path <c>$VOLUME_AGENT_CONTROL</c> sets; null when it is not set.</summary>
    public static string? Configured(Func<string, string?>? environment = null) =>
        (environment ?? Environment.GetEnvironmentVariable)(EnvironmentVariable) is { } path && !string.IsNullOrWhiteSpace(path) ? path : null;

    private static string Checked(string path, string origin, bool create)
    {
        if (!Path.IsPathRooted(path))
        {
            throw new InvalidOperationException($"The control socket path {path} (from {origin}) must be absolute.");
        }

        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            throw new InvalidOperationException(
                $"The control socket path {path} (from {origin}) is longer than the {MaxPathBytes} bytes a unix socket path may have; "
                + $"set ${EnvironmentVariable} to a shorter path.");
        }

        var folder = Path.GetDirectoryName(path)!;
        if (create && !TryCreateFolder(folder))
        {
            throw new InvalidOperationException(
                $"The folder {folder} of the control socket (from {origin}) cannot be created or written; "
                + $"mount a writable directory there or set ${EnvironmentVariable}.");
        }

        return path;
    }

    private static bool TryCreateFolder(string folder)
    {
        try
        {
            if (!Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder, OwnerOnly);
            }

            var probe = Path.Combine(folder, $".probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Redis;

/// <summary>
/// A Redis server reached by <c>redis-cli</c> inside its own container (<c>docker exec</c>), on 127.0.0.1:6379. The
/// password travels in the exec's environment as <c>REDISCLI_AUTH</c>, never on a command line; <c>-e</c> makes an
/// error reply fail the command.
/// </summary>
internal sealed class RedisCli
{
    public const string Program = "redis-cli";

    /// <summary>The variable the official image and the agent's test image read the server's password from.</summary>
    public const string PasswordVariable = "REDIS_PASSWORD";

    private readonly IDockerEngine _docker;
    private readonly IReadOnlyList<string> _environment;

    public RedisCli(IDockerEngine docker, ContainerInspect container, string? password)
    {
        ArgumentNullException.ThrowIfNull(container);
        _docker = docker;
        Container = container;
        _environment = password is null ? [] : [$"REDISCLI_AUTH={password}"];
    }

    public ContainerInspect Container { get; }

    public string Name => ContainerResolver.NameOf(Container);

    /// <summary>The exec environment that carries the password, for a command run beside these (the snapshot).</summary>
    public IReadOnlyList<string> Environment => _environment;

    /// <summary>The password: the configured one, else the container's REDIS_PASSWORD (or REDIS_PASSWORD_FILE), else none.</summary>
    public static async Task<string?> PasswordAsync(ContainerEnvironment env, string? configured, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(env);
        return configured ?? await env.GetAsync(cancellationToken, PasswordVariable);
    }

    /// <summary>Runs one command (<c>INFO keyspace</c>); throws <see cref="ArtifactFailedException"/> naming the cause when it fails.</summary>
    public async Task<string> RunAsync(IReadOnlyList<string> command, string remedy, CancellationToken cancellationToken)
    {
        var result = await TryRunAsync(command, cancellationToken);

        // redis-cli goes on with the command when AUTH fails; a server without a password then answers anyway.
        return result.Succeeded && !result.Stderr.Contains("AUTH failed", StringComparison.Ordinal)
            ? result.Stdout
            : throw new ArtifactFailedException(Diagnose(result, string.Join(' ', command), remedy));
    }

    public Task<ExecResult> TryRunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        ExecCapture.RunAsync(_docker, Container.Id, [Program, "-e", .. command], _environment, cancellationToken);

    public async Task<RedisKeyspace> KeyspaceAsync(string remedy, CancellationToken cancellationToken)
    {
        var info = await RunAsync(["INFO", "keyspace"], remedy, cancellationToken);
        try
        {
            return RedisKeyspace.ParseInfo(info);
        }
        catch (FormatException ex)
        {
            throw new ArtifactFailedException($"The Redis server in container {Name} answered INFO keyspace with something else than a keyspace: {ex.Message}", ex);
        }
    }

    /// <summary>The server's version from <c>INFO server</c> (<c>7.0.15</c>), or null when it does not say.</summary>
    public async Task<string?> ServerVersionAsync(string remedy, CancellationToken cancellationToken)
    {
        var info = await RunAsync(["INFO", "server"], remedy, cancellationToken);
        return info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?["redis_version:".Length..];
    }

    /// <summary>
    /// Why a redis-cli command failed, in words that point at the fix: the wrong container (no redis-cli, or no server
    /// on 127.0.0.1:6379), or a password the server refused or asked for.
    /// </summary>
    public string Diagnose(ExecResult result, string what, string remedy)
    {
        ArgumentNullException.ThrowIfNull(result);
        var diagnostic = string.Join(' ', result.Diagnostic.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (result.ExitCode == 127 || diagnostic.Contains("executable file not found", StringComparison.OrdinalIgnoreCase))
        {
            return $"Container {Name} does not look like a Redis container: it has no {Program} ({diagnostic}). {remedy}";
        }

        if (diagnostic.Contains("Could not connect to Redis", StringComparison.Ordinal))
        {
            return $"Container {Name} has {Program}, but no Redis server answers on 127.0.0.1:6379 in it ({diagnostic}). "
                + $"Is the server running in this container, or is it the wrong container? {remedy}";
        }

        if (diagnostic.Contains("WRONGPASS", StringComparison.Ordinal) || diagnostic.Contains("invalid password", StringComparison.Ordinal))
        {
            return $"The Redis server in container {Name} refused the password ({diagnostic}). "
                + $"Check `password` / `password_file` of the source, or {PasswordVariable} in the container's environment.";
        }

        if (diagnostic.Contains("without any password configured", StringComparison.Ordinal))
        {
            return $"The Redis server in container {Name} has no password, but the agent was given one ({diagnostic}). "
                + $"Remove `password` / `password_file` from the source, or {PasswordVariable} from the container's environment if the server does not use it.";
        }

        if (diagnostic.Contains("NOAUTH", StringComparison.Ordinal))
        {
            return $"The Redis server in container {Name} requires a password, and none was given ({diagnostic}). "
                + $"Set `password` or `password_file` on the source, or {PasswordVariable} in the container's environment.";
        }

        return $"{Program} {what} failed in container {Name} (exit {result.ExitCode}): {diagnostic}";
    }
}

using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Mysql;

/// <summary>How the agent reaches a MySQL or MariaDB server inside its container, for dumps and restores alike.</summary>
internal static class MysqlAccess
{
    /// <summary>
    /// The user and password to connect with: the configured user as given; else root with the configured password
    /// or MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD (and their _FILE forms); else MARIADB_USER / MYSQL_USER with
    /// its password; else root without a password.
    /// </summary>
    public static async Task<(string User, string? Password)> CredentialsAsync(
        ContainerEnvironment env, string? user, string? password, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (user is not null)
        {
            return (user, password);
        }

        var rootPassword = await env.GetAsync(cancellationToken, "MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD");
        if (rootPassword is not null || password is not null)
        {
            return ("root", password ?? rootPassword);
        }

        var configured = await env.GetAsync(cancellationToken, "MARIADB_USER", "MYSQL_USER");
        return configured is not null
            ? (configured, await env.GetAsync(cancellationToken, "MARIADB_PASSWORD", "MYSQL_PASSWORD"))
            // MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, or a server set up by hand: root without a password is the last try.
            : ("root", null);
    }

    /// <summary>The dump tool and the client on the container's PATH (MariaDB's names first); null where absent.</summary>
    public static async Task<(string? Dump, string? Client)> FindToolsAsync(IDockerEngine docker, ContainerInspect container, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        var tools = await ExecCapture.RunAsync(
            docker,
            container.Id,
            ["sh", "-c", "command -v mariadb-dump || command -v mysqldump; command -v mariadb || command -v mysql"],
            null,
            cancellationToken);
        return (
            tools.Lines.FirstOrDefault(l => l.EndsWith("dump", StringComparison.Ordinal)),
            tools.Lines.FirstOrDefault(l => !l.EndsWith("dump", StringComparison.Ordinal)));
    }
}

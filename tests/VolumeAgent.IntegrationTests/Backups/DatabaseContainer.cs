using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using Testcontainers.PostgreSql;
using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// A database server of the test images, started through Testcontainers, named (backup.yml names it) and labelled by the test's scope, driven
/// the way a person would: `docker exec -i NAME psql|mariadb ...` with SQL or a dump on standard input.
/// </summary>
internal sealed class DatabaseContainer
{
    private readonly TestScope _scope;

    private DatabaseContainer(TestScope scope, string id, string name)
    {
        _scope = scope;
        Id = id;
        Name = name;
    }

    public string Id { get; }

    public string Name { get; }

    /// <summary>
    /// PostgreSQL through Testcontainers' PostgreSQL module (its pg_isready wait), as superuser postgres of database
    /// postgres; <paramref name="environment"/> (KEY=value) sets POSTGRES_PASSWORD and anything else the image reads.
    /// </summary>
    public static Task<DatabaseContainer> StartPostgresAsync(TestScope scope, string prefix, CancellationToken cancellationToken, params string[] environment) =>
        StartPostgresAsync(scope, prefix, memoryLimit: 0, cancellationToken, environment);

    /// <summary>As above, with the container's memory limited to <paramref name="memoryLimit"/> bytes and no swap (0: no limit).</summary>
    public static async Task<DatabaseContainer> StartPostgresAsync(TestScope scope, string prefix, long memoryLimit, CancellationToken cancellationToken, params string[] environment)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var variables = Variables(environment);
        var password = variables.Remove("POSTGRES_PASSWORD", out var given) ? given : "postgres";
        var name = scope.Fixture.UniqueName(prefix);
        var container = new PostgreSqlBuilder(TestImages.Postgres)
            .WithName(name)
            .WithLabel(scope.Fixture.LabelsWith())
            .WithUsername("postgres")
            .WithPassword(password)
            .WithDatabase("postgres")
            .WithEnvironment(variables)
            .WithCreateParameterModifier(request =>
            {
                if (memoryLimit > 0)
                {
                    request.HostConfig ??= new HostConfig();
                    request.HostConfig.Memory = memoryLimit;
                    request.HostConfig.MemorySwap = memoryLimit;
                }
            })
            .Build();
        return new DatabaseContainer(scope, await ServiceContainers.StartAsync(scope, container, name, cancellationToken), name);
    }

    /// <summary>
    /// MariaDB with root's password, waiting for the image's health check. Testcontainers' MySQL module is not used:
    /// it always creates a database and an account of its own, which the tests' listings of databases would then see.
    /// </summary>
    public static async Task<DatabaseContainer> StartMariaDbAsync(TestScope scope, string prefix, string rootPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var name = scope.Fixture.UniqueName(prefix);
        var container = new ContainerBuilder(TestImages.MariaDb)
            .WithName(name)
            .WithLabel(scope.Fixture.LabelsWith())
            .WithEnvironment("MARIADB_ROOT_PASSWORD", rootPassword)
            .WithEnvironment("MARIADB_INITDB_SKIP_TZINFO", "1")
            .WithWaitStrategy(ServiceContainers.UntilHealthy())
            .Build();
        return new DatabaseContainer(scope, await ServiceContainers.StartAsync(scope, container, name, cancellationToken), name);
    }

    /// <summary>`docker exec -i [-e VAR=value] NAME COMMAND...`, with <paramref name="stdin"/> fed to it.</summary>
    public Task<ProcessResult> ExecAsync(IReadOnlyList<string> command, CancellationToken cancellationToken, Stream? stdin = null, params string[] environment)
    {
        List<string> arguments = ["exec", "-i"];
        foreach (var variable in environment)
        {
            arguments.AddRange(["-e", variable]);
        }

        arguments.Add(Name);
        arguments.AddRange(command);
        return HostProcess.RunAsync("docker", arguments, cancellationToken, stdin, timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>`gunzip -c FILE | docker exec -i [-e VAR=value] NAME COMMAND...`: a stored artifact restored exactly as a person would.</summary>
    public Task<ProcessResult> PipeGunzippedAsync(string file, IReadOnlyList<string> command, CancellationToken cancellationToken, params string[] environment)
    {
        List<string> arguments = ["-c", "set -o pipefail; file=$1; shift; gunzip -c \"$file\" | docker exec -i \"$@\"", "restore", file];
        foreach (var variable in environment)
        {
            arguments.AddRange(["-e", variable]);
        }

        arguments.Add(Name);
        arguments.AddRange(command);
        return HostProcess.RunAsync("bash", arguments, cancellationToken, timeout: TimeSpan.FromMinutes(2));
    }

    /// <summary>Like <see cref="ExecAsync"/>, failing with the output unless the command exits 0; returns its standard output.</summary>
    public async Task<string> ExecCheckedAsync(IReadOnlyList<string> command, CancellationToken cancellationToken, Stream? stdin = null, params string[] environment)
    {
        var result = await ExecAsync(command, cancellationToken, stdin, environment);
        result.ExitCode.Should().Be(0, $"`{string.Join(' ', command)}` in {Name} failed: {result.Stderr}{result.Stdout[..Math.Min(result.Stdout.Length, 2000)]}");
        return result.Stdout;
    }

    /// <summary>Runs SQL text through psql as postgres on the socket, stopping at the first error.</summary>
    public Task<string> PsqlAsync(string database, string sql, CancellationToken cancellationToken, params string[] environment) =>
        ExecCheckedAsync(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-align", "--tuples-only", "-U", "postgres", "-d", database, "-f", "-"],
            cancellationToken,
            new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sql)),
            environment);

    /// <summary>Runs SQL text through the mariadb client as root (password in MYSQL_PWD, never on the command line).</summary>
    public Task<string> MariaDbAsync(string rootPassword, string? database, string sql, CancellationToken cancellationToken)
    {
        List<string> command = ["mariadb", "-uroot", "--batch", "--skip-column-names"];
        if (database is not null)
        {
            command.Add(database);
        }

        return ExecCheckedAsync(command, cancellationToken, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(sql)), $"MYSQL_PWD={rootPassword}");
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        _scope.Client.Containers.StopContainerAsync(Id, new ContainerStopParameters { WaitBeforeKillSeconds = 10 }, cancellationToken);

    public Task KillAsync(CancellationToken cancellationToken) =>
        _scope.Client.Containers.KillContainerAsync(Id, new ContainerKillParameters { Signal = "SIGKILL" }, cancellationToken);

    private static Dictionary<string, string> Variables(IEnumerable<string> environment)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in environment)
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            variables[variable[..equals]] = variable[(equals + 1)..];
        }

        return variables;
    }
}

using System.Globalization;
using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Storage;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Restore;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources.Mysql;

/// <summary>A running MySQL or MariaDB container to restore into, reached with its own client by exec.</summary>
internal sealed class MysqlTarget : IDatabaseTarget
{
    /// <summary>The options the backup dumps with (see MysqlDumpSource), so a fresh dump compares line by line.</summary>
    private static readonly string[] DumpOptions = ["--single-transaction", "--routines", "--events", "--triggers", "--hex-blob"];

    private readonly IDockerEngine _docker;
    private readonly ILogger _log;
    private readonly IReadOnlyList<string> _environment;

    private MysqlTarget(IDockerEngine docker, ContainerInspect container, string client, string dump, string user, IReadOnlyList<string> environment, ILogger log)
    {
        _docker = docker;
        _log = log;
        Container = container;
        Client = client;
        Dump = dump;
        User = user;
        _environment = environment;
    }

    public ContainerInspect Container { get; }

    public string Name => ContainerResolver.NameOf(Container);

    public string Client { get; }

    public string Dump { get; }

    public string User { get; }

    public string Server => $"mysql container {Name}";

    public string OverwriteNote => "the backup's tables are DROPPED and recreated; other tables stay";

    /// <summary>
    /// Connects as <paramref name="user"/>, else as the container's configuration allows (root with
    /// MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD, else MARIADB_USER / MYSQL_USER, else root without a password).
    /// </summary>
    public static async Task<MysqlTarget> ConnectAsync(
        IDockerEngine docker, ContainerInspect container, string? user, string? password, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var name = TargetContainer.RequireRunning(container);

        var (dump, client) = await MysqlAccess.FindToolsAsync(docker, container, cancellationToken);
        if (client is null || dump is null)
        {
            throw new RestoreRefusedException($"Container {name} has no mariadb or mysql client (and dump tool) on its PATH. Is it a MySQL or MariaDB container?");
        }

        (user, password) = await MysqlAccess.CredentialsAsync(new ContainerEnvironment(docker, container), user, password, cancellationToken);
        IReadOnlyList<string> secrets = password is null ? [] : [$"MYSQL_PWD={password}"];
        var target = new MysqlTarget(docker, container, client, dump, user, secrets, log);
        var probe = await target.RunAsync("SELECT 1;", cancellationToken);
        if (!probe.Succeeded)
        {
            throw new RestoreRefusedException(
                $"Cannot connect to the database server in container {name} as user '{user}': {probe.Diagnostic}. "
                + "Check the container's MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD, or the source's user / password in backup.yml.");
        }

        return target;
    }

    public async Task<DatabaseState> DatabaseStateAsync(string database, CancellationToken cancellationToken)
    {
        var literal = MysqlQuoting.Literal(database);
        var result = await QueryAsync(
            $"SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {literal};"
            + $" SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = {literal}) + (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {literal});",
            cancellationToken);
        var lines = result.Lines;
        return lines.Count == 2 && lines[0] != "0"
            ? new DatabaseState(true, long.Parse(lines[1], CultureInfo.InvariantCulture))
            : DatabaseState.Missing;
    }

    public Task CreateDatabaseAsync(string database, CancellationToken cancellationToken) =>
        QueryAsync($"CREATE DATABASE IF NOT EXISTS {MysqlQuoting.Identifier(database)};", cancellationToken);

    public Task DropDatabaseAsync(string database, CancellationToken cancellationToken) =>
        QueryAsync($"DROP DATABASE IF EXISTS {MysqlQuoting.Identifier(database)};", cancellationToken);

    public Task RestoreDatabaseAsync(string database, ManifestArtifact artifact, Stream dump, bool clean, CancellationToken cancellationToken) =>
        RestoreDatabaseAsync(database, dump, cancellationToken);

    /// <summary>Runs a dump (no CREATE DATABASE / USE in it) against the database; the client stops at the first error.</summary>
    public async Task RestoreDatabaseAsync(string database, Stream sql, CancellationToken cancellationToken)
    {
        var result = await ExecRunner.FeedAsync(
            _docker,
            Container.Id,
            [Client, $"--user={User}", $"--database={database}"],
            _environment,
            (stdin, ct) => StdinFeeder.FeedAsync(sql, stdin, ct),
            _log,
            cancellationToken);
        result.ThrowIfFailed(Path.GetFileName(Client), $"database '{database}'", Name);
    }

    /// <summary>Starts a dump of the database with the backup's own options.</summary>
    public Task<IExecProcess> StartDumpAsync(string database, CancellationToken cancellationToken) =>
        _docker.Exec.RunAsync(
            Container.Id, [Dump, $"--user={User}", .. DumpOptions, "--", database], cancellationToken, new ExecStartOptions { Environment = _environment, StopOnDispose = true, Log = _log });

    /// <summary>Exact row counts of every base table, by name.</summary>
    public async Task<IReadOnlyDictionary<string, long>> RowCountsAsync(string database, CancellationToken cancellationToken)
    {
        var tables = (await QueryAsync(
            $"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = {MysqlQuoting.Literal(database)} AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;",
            cancellationToken)).Lines;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        if (tables.Count == 0)
        {
            return counts;
        }

        var query = new StringBuilder();
        for (var i = 0; i < tables.Count; i++)
        {
            query.Append(i == 0 ? "SELECT " : " UNION ALL SELECT ")
                .Append(CultureInfo.InvariantCulture, $"{i}, COUNT(*) FROM {MysqlQuoting.Identifier(database)}.{MysqlQuoting.Identifier(tables[i])}");
        }

        foreach (var line in (await QueryAsync(query.Append(';').ToString(), cancellationToken)).Lines)
        {
            var parts = line.Split('\t');
            counts[tables[int.Parse(parts[0], CultureInfo.InvariantCulture)]] = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }

        return counts;
    }

    private Task<ExecResult> RunAsync(string sql, CancellationToken cancellationToken) =>
        ExecRunner.RunAsync(_docker, Container.Id, [Client, $"--user={User}", "--batch", "--skip-column-names"], _environment, sql + "\n", _log, cancellationToken);

    private async Task<ExecResult> QueryAsync(string sql, CancellationToken cancellationToken)
    {
        var result = await RunAsync(sql, cancellationToken);
        if (!result.Succeeded)
        {
            throw new RestoreFailedException($"{Path.GetFileName(Client)} in container {Name} failed (exit {result.ExitCode}): {result.Diagnostic}");
        }

        return result;
    }
}

using System.Globalization;
using System.Text;
using Serilog;
using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Manifest;
using VolumeAgent.Sources;
using VolumeAgent.Storage;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;
using VolumeAgent.Restore;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Sources.Postgres;

/// <summary>
/// A running PostgreSQL container to restore into, reached with its own client tools by exec (so their version
/// matches the server's). Names travel as psql variables or quoted connection strings, never spliced into SQL.
/// </summary>
internal sealed class PostgresTarget : IDatabaseTarget
{
    private const string ObjectCountQuery =
        "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%')"
        + " + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema'));";

    private readonly IDockerEngine _docker;
    private readonly ILogger _log;
    private readonly IReadOnlyList<string> _environment;
    private readonly string _maintenanceDb;

    private PostgresTarget(IDockerEngine docker, ContainerInspect container, string user, IReadOnlyList<string> environment, string maintenanceDb, ILogger log)
    {
        _docker = docker;
        _log = log;
        Container = container;
        User = user;
        _environment = environment;
        _maintenanceDb = maintenanceDb;
    }

    public ContainerInspect Container { get; }

    public string Name => ContainerResolver.NameOf(Container);

    public string User { get; }

    public string Server => $"postgres container {Name}";

    public string OverwriteNote => "the backup's objects are DROPPED and recreated (pg_restore --clean --if-exists); other objects stay";

    /// <summary>
    /// Connects as <paramref name="user"/> (else the container's POSTGRES_USER, else postgres) with
    /// <paramref name="password"/> (else POSTGRES_PASSWORD / _FILE), to the first maintenance database that answers.
    /// </summary>
    public static async Task<PostgresTarget> ConnectAsync(
        IDockerEngine docker, ContainerInspect container, string? user, string? password, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(docker);
        var name = TargetContainer.RequireRunning(container);

        var env = new ContainerEnvironment(docker, container);
        user ??= await env.GetAsync(cancellationToken, "POSTGRES_USER") ?? "postgres";
        password ??= await env.GetAsync(cancellationToken, "POSTGRES_PASSWORD");
        IReadOnlyList<string> secrets = password is null ? [] : [$"PGPASSWORD={password}"];
        var candidates = new[] { await env.GetAsync(cancellationToken, "POSTGRES_DB"), "postgres", "template1" }
            .OfType<string>()
            .Distinct(StringComparer.Ordinal);
        ExecResult? last = null;
        foreach (var db in candidates)
        {
            last = await ExecCapture.RunAsync(
                docker, container.Id, ["psql", .. Connection(user, PgConnInfo.ForDatabase(db)), "--tuples-only", "--no-align", "--command", "SELECT 1"], secrets, cancellationToken);
            if (last.Succeeded)
            {
                return new PostgresTarget(docker, container, user, secrets, db, log);
            }

            if (PostgresDiagnosis.NotPostgres(last, "psql", name, PostgresDiagnosis.ForRestore) is { } notPostgres)
            {
                throw new RestoreRefusedException(notPostgres);
            }
        }

        throw new RestoreRefusedException(
            $"Cannot connect to PostgreSQL in container {name} as user '{user}': {last?.Diagnostic}. "
            + "Check the container's POSTGRES_USER / POSTGRES_PASSWORD, or the source's user / password in backup.yml.");
    }

    public async Task<IReadOnlySet<string>> RolesAsync(CancellationToken cancellationToken)
    {
        var result = await QueryAsync(_maintenanceDb, "SELECT rolname FROM pg_roles;", [], cancellationToken);
        return result.Lines.ToHashSet(StringComparer.Ordinal);
    }

    public async Task<DatabaseState> DatabaseStateAsync(string database, CancellationToken cancellationToken)
    {
        var exists = await QueryAsync(_maintenanceDb, "SELECT count(*) FROM pg_database WHERE datname = :'db';", [("db", database)], cancellationToken);
        if (exists.Stdout.Trim() == "0")
        {
            return DatabaseState.Missing;
        }

        var objects = await QueryAsync(database, ObjectCountQuery, [], cancellationToken);
        return new DatabaseState(true, long.Parse(objects.Stdout.Trim(), CultureInfo.InvariantCulture));
    }

    public Task CreateDatabaseAsync(string database, CancellationToken cancellationToken) =>
        QueryAsync(_maintenanceDb, "CREATE DATABASE :\"db\" TEMPLATE template0;", [("db", database)], cancellationToken);

    public Task DropDatabaseAsync(string database, CancellationToken cancellationToken) =>
        QueryAsync(_maintenanceDb, "DROP DATABASE IF EXISTS :\"db\";", [("db", database)], cancellationToken);

    /// <summary>Gives the database to a role (the owner it had when dumped).</summary>
    public Task SetOwnerAsync(string database, string owner, CancellationToken cancellationToken) =>
        QueryAsync(_maintenanceDb, "ALTER DATABASE :\"db\" OWNER TO :\"owner\";", [("db", database), ("owner", owner)], cancellationToken);

    /// <summary>
    /// The owner a custom-format archive records for its database, read from the head of the archive (its table
    /// of contents) by pg_restore; null when the archive does not say.
    /// </summary>
    public async Task<string?> ArchiveOwnerAsync(Stream archive, string database, CancellationToken cancellationToken)
    {
        await using var lister = await _docker.Exec.RunAsync(
            Container.Id, ["pg_restore", "--create", "--list"], cancellationToken, new ExecStartOptions { Stdin = true, StopOnDispose = true, Log = _log });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // pg_restore lists once it has the table of contents and then stops reading: the rest is never sent.
        var feed = StdinFeeder.FeedAsync(archive, lister.Stdin, stop.Token);
        var marker = $" DATABASE - {database} ";
        string? owner = null;
        try
        {
            using var reader = new StreamReader(lister.Stdout, Encoding.UTF8, leaveOpen: true);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                var at = line.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0 && !line.StartsWith(';'))
                {
                    owner = line[(at + marker.Length)..];
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await ExecRunner.ObserveAsync(feed);
        }

        return owner is { Length: > 0 } ? owner : null;
    }

    /// <summary>Runs the globals (roles, tablespaces), leaving roles that exist as they are; see <see cref="GlobalsFilter"/>.</summary>
    public async Task<GlobalsFilter> RestoreGlobalsAsync(Stream sql, CancellationToken cancellationToken)
    {
        var filter = new GlobalsFilter(await RolesAsync(cancellationToken));
        var result = await ExecRunner.FeedAsync(
            _docker,
            Container.Id,
            // No single transaction: CREATE TABLESPACE cannot run inside one.
            ["psql", .. Connection(User, _maintenanceDb), "--quiet", "--set", "ON_ERROR_STOP=1", "--file", "-"],
            _environment,
            (stdin, ct) => WriteFilteredAsync(sql, stdin, filter, ct),
            _log,
            cancellationToken);
        result.ThrowIfFailed("psql", "the roles and tablespaces (globals)", Name);
        return filter;
    }

    public Task RestoreDatabaseAsync(string database, ManifestArtifact artifact, Stream dump, bool clean, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return RestoreDatabaseAsync(database, artifact.Format, dump, clean, cancellationToken);
    }

    /// <summary>Restores a dump into an existing database; <paramref name="clean"/> drops the dump's objects first.</summary>
    public async Task RestoreDatabaseAsync(string database, ManifestArtifactFormat format, Stream dump, bool clean, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> command = format == PostgresKind.PgCustom
            ? ["pg_restore", "--username", User, "--no-password", "--dbname", PgConnInfo.ForDatabase(database), "--exit-on-error", "--single-transaction", .. clean ? new[] { "--clean", "--if-exists" } : []]
            : ["psql", .. Connection(User, PgConnInfo.ForDatabase(database)), "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction", "--file", "-"];
        var result = await ExecRunner.FeedAsync(
            _docker, Container.Id, command, _environment, (stdin, ct) => StdinFeeder.FeedAsync(dump, stdin, ct), _log, cancellationToken);
        result.ThrowIfFailed(command[0], $"database '{database}'", Name);
    }

    /// <summary>Starts pg_dump of a database as plain SQL, as the backup would have made it.</summary>
    public Task<IExecProcess> StartPlainDumpAsync(string database, CancellationToken cancellationToken) =>
        _docker.Exec.RunAsync(
            Container.Id,
            ["pg_dump", "--username", User, "--no-password", "--dbname", PgConnInfo.ForDatabase(database), "--format", "plain"],
            cancellationToken,
            new ExecStartOptions { Environment = _environment, StopOnDispose = true, Log = _log });

    /// <summary>Starts pg_restore turning a custom-format archive (fed on stdin) into the SQL it would run.</summary>
    public Task<IExecProcess> StartArchiveToSqlAsync(CancellationToken cancellationToken) =>
        _docker.Exec.RunAsync(
            Container.Id, ["pg_restore", "--file", "-"], cancellationToken, new ExecStartOptions { Stdin = true, StopOnDispose = true, Log = _log });

    private static string[] Connection(string user, string database) =>
        ["--no-psqlrc", "--username", user, "--no-password", "--dbname", database];

    private async Task<ExecResult> QueryAsync(string database, string sql, IReadOnlyList<(string Name, string Value)> variables, CancellationToken cancellationToken)
    {
        List<string> command = ["psql", .. Connection(User, PgConnInfo.ForDatabase(database)), "--tuples-only", "--no-align", "--set", "ON_ERROR_STOP=1"];
        foreach (var (name, value) in variables)
        {
            command.AddRange(["--set", $"{name}={value}"]);
        }

        var result = await ExecRunner.RunAsync(_docker, Container.Id, command, _environment, sql + "\n", _log, cancellationToken);
        if (!result.Succeeded)
        {
            throw new RestoreFailedException($"psql in container {Name} failed (exit {result.ExitCode}) running '{sql}': {result.Diagnostic}");
        }

        return result;
    }

    private static async Task<bool> WriteFilteredAsync(Stream sql, Stream stdin, GlobalsFilter filter, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(sql, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var newline = "\n"u8.ToArray();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!filter.Keep(line))
            {
                continue;
            }

            try
            {
                await stdin.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
                await stdin.WriteAsync(newline, cancellationToken);
            }
            catch (Exception ex) when (StdinFeeder.IsClosedInput(ex))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A database created here belongs to the role restoring it; the archive says whose it was. That matters:
    /// since PostgreSQL 15 only the database's owner may create objects in its public schema.
    /// </summary>
    public async Task<string> AfterCreatedAsync(RestoreEnvironment environment, ArtifactScan scan, string database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(scan);
        if (scan.Artifact.Format != PostgresKind.PgCustom)
        {
            return string.Empty;
        }

        await using var source = await environment.OpenAsync(scan, cancellationToken);
        var owner = await ArchiveOwnerAsync(source.Content, scan.Artifact.Database!, cancellationToken);
        if (owner is null || owner == User)
        {
            return string.Empty;
        }

        if (!(await RolesAsync(cancellationToken)).Contains(owner))
        {
            environment.Log.ForEvent(LogEvents.RestoredDatabaseOwnerChanged).Warning("Database {Database} belonged to role {Owner}, which container {Container} does not have; it now belongs to {User}", database, owner, Name, User);
            return $"; owner {User} (the original owner, role {owner}, does not exist here: restore the globals too)";
        }

        await SetOwnerAsync(database, owner, cancellationToken);
        return $"; owner {owner}";
    }
}

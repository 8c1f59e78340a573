using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Postgres;

/// <summary>Every (or the named) database of a PostgreSQL container, one artifact each, plus its roles and tablespaces.</summary>
internal sealed class PostgresDumpSource : IBackupSource
{
    private const string DatabaseQuery =
        "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname";

    private readonly SourceContext _context;
    private readonly PostgresSource _options;

    public PostgresDumpSource(SourceContext context, PostgresSource options)
    {
        _context = context;
        _options = options;
    }

    public string DisplayName => $"postgres {_options.Target}";

    public ManifestSourceKind Kind => PostgresKind.Postgres;

    public ManifestArtifactFormat Format => _options.Format == PostgresDumpFormat.Custom ? PostgresKind.PgCustom : PostgresKind.PgPlain;

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        var container = await _context.Containers.ResolveRunningDatabaseAsync(_options.Target, cancellationToken);
        var name = ContainerResolver.NameOf(container);

        var env = new ContainerEnvironment(_context.Docker, container);
        var user = _options.User ?? await env.GetAsync(cancellationToken, "POSTGRES_USER") ?? "postgres";
        var password = _options.Password?.Reveal() ?? await env.GetAsync(cancellationToken, "POSTGRES_PASSWORD");
        var maintenanceDb = await env.GetAsync(cancellationToken, "POSTGRES_DB") ?? user;
        IReadOnlyList<string> secrets = password is null ? [] : [$"PGPASSWORD={password}"];

        // Asked while the first dumps run rather than before them (an exec costs a tenth of a second); the
        // manifest gets it from each artifact's facts. A container without pg_dump fails the dumps themselves
        // (exit 127), so a failure here that no artifact gets to read is only observed.
        var version = Observed(AskVersionAsync(container, name, cancellationToken));
        var databases = _options.Databases.Count > 0
            ? _options.Databases
            : await ListDatabasesAsync(container, name, user, maintenanceDb, secrets, cancellationToken);
        var producers = new List<IArtifactProducer>
        {
            new ExecDumpProducer(
                _context.Docker,
                _context.Log,
                container,
                Describe(container, $"{_options.ArtifactName}-globals.sql", PostgresKind.Globals, SqlDumps.Sql, null),
                ["pg_dumpall", "--globals-only", "--username", user, "--no-password"],
                secrets,
                toolVersion: Observed(DumpallVersionAsync(version))),
        };
        foreach (var database in databases)
        {
            producers.Add(DumpDatabase(container, user, database, secrets, version));
        }

        return producers;
    }

    private static Task<string> Observed(Task<string> task)
    {
        _ = task.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return task;
    }

    private static async Task<string> DumpallVersionAsync(Task<string> pgDumpVersion) =>
        (await pgDumpVersion).Replace("pg_dump", "pg_dumpall", StringComparison.Ordinal);

    private async Task<string> AskVersionAsync(ContainerInspect container, string name, CancellationToken cancellationToken)
    {
        var version = await ExecCapture.RunAsync(_context.Docker, container.Id, ["pg_dump", "--version"], null, cancellationToken);
        if (!version.Succeeded)
        {
            throw new ArtifactFailedException(
                PostgresDiagnosis.NotPostgres(version, "pg_dump", name, PostgresDiagnosis.ForSource)
                ?? $"Container {name} has no usable pg_dump ({version.Diagnostic.Trim()}). Is it a PostgreSQL container? The dump runs inside it so that its version matches the server's.");
        }

        return version.Stdout.Trim();
    }

    private ExecDumpProducer DumpDatabase(
        ContainerInspect container, string user, string database, IReadOnlyList<string> secrets, Task<string> toolVersion)
    {
        var custom = _options.Format == PostgresDumpFormat.Custom;
        List<string> command = ["pg_dump", "--username", user, "--no-password", "--dbname", database];
        // Uncompressed custom format: the pipeline compresses (in parallel) and pg_restore reads either.
        command.AddRange(custom ? ["--format", "custom", "--compress", "0"] : ["--format", "plain"]);
        var descriptor = Describe(
            container,
            $"{_options.ArtifactName}-{ArtifactNames.Sanitize(database, "db")}{(custom ? ".dump" : ".sql")}",
            PostgresKind.Postgres,
            Format,
            database);
        var check = custom ? new PgListCheck(_context.Docker, _context.Log, container.Id, secrets) : null;
        return new ExecDumpProducer(_context.Docker, _context.Log, container, descriptor, command, secrets, check, toolVersion);
    }

    private async Task<IReadOnlyList<string>> ListDatabasesAsync(
        ContainerInspect container, string name, string user, string maintenanceDb, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        ExecResult? result = null;
        foreach (var db in new[] { maintenanceDb, "postgres", "template1" }.Distinct(StringComparer.Ordinal))
        {
            result = await ExecCapture.RunAsync(
                _context.Docker,
                container.Id,
                ["psql", "--username", user, "--no-password", "--dbname", db, "--no-psqlrc", "--tuples-only", "--no-align", "--command", DatabaseQuery],
                secrets,
                cancellationToken);
            // The maintenance database may have been dropped; only then is another worth a try.
            if (result.Succeeded || !result.Stderr.Contains($"database \"{db}\" does not exist", StringComparison.Ordinal))
            {
                break;
            }
        }

        if (result is not { Succeeded: true })
        {
            throw new ArtifactFailedException(
                (result is null ? null : PostgresDiagnosis.NotPostgres(result, "psql", name, PostgresDiagnosis.ForSource))
                ?? $"Cannot list the databases of container {name} as user '{user}': {result?.Diagnostic}. "
                + "Check `user` / `password` (or `password_file`) of this source, or the container's POSTGRES_USER / POSTGRES_PASSWORD.");
        }

        return result.Lines;
    }

    private ArtifactDescriptor Describe(ContainerInspect container, string file, ManifestSourceKind kind, ManifestArtifactFormat format, string? database) => new()
    {
        BaseFileName = file,
        Kind = kind,
        SourceName = _options.Target,
        Format = format,
        Database = database,
        Container = ContainerResolver.NameOf(container),
        Image = container.Config?.Image,
    };
}

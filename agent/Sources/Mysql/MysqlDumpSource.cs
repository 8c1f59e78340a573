using VolumeAgent.Manifest;
using VolumeAgent.Storage;
using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Mysql;

/// <summary>Every (or the named) database of a MySQL or MariaDB container, one SQL artifact each.</summary>
internal sealed class MysqlDumpSource : IBackupSource
{
    private static readonly HashSet<string> SystemSchemas = new(StringComparer.OrdinalIgnoreCase)
    {
        "information_schema", "performance_schema", "mysql", "sys",
    };

    private readonly SourceContext _context;
    private readonly MysqlSource _options;

    public MysqlDumpSource(SourceContext context, MysqlSource options)
    {
        _context = context;
        _options = options;
    }

    public string DisplayName => $"mysql {_options.Target}";

    public ManifestSourceKind Kind => MysqlKind.Mysql;

    public ManifestArtifactFormat Format => SqlDumps.Sql;

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        var container = await _context.Containers.ResolveRunningDatabaseAsync(_options.Target, cancellationToken);
        var name = ContainerResolver.NameOf(container);

        var (user, password) = await MysqlAccess.CredentialsAsync(
            new ContainerEnvironment(_context.Docker, container), _options.User, _options.Password?.Reveal(), cancellationToken);
        IReadOnlyList<string> secrets = password is null ? [] : [$"MYSQL_PWD={password}"];

        var (dump, client) = await MysqlAccess.FindToolsAsync(_context.Docker, container, cancellationToken);
        if (dump is null || client is null)
        {
            throw new ArtifactFailedException(
                $"Container {name} has neither mariadb-dump nor mysqldump (and a mariadb or mysql client) on its PATH. Is it a MySQL or MariaDB container?");
        }

        var version = await ExecCapture.RunAsync(_context.Docker, container.Id, [dump, "--version"], null, cancellationToken);
        var databases = _options.Databases.Count > 0
            ? _options.Databases
            : await ListDatabasesAsync(container, name, client, user, secrets, cancellationToken);
        return databases
            .Select(database => (IArtifactProducer)new ExecDumpProducer(
                _context.Docker,
                _context.Log,
                container,
                new ArtifactDescriptor
                {
                    BaseFileName = $"{_options.ArtifactName}-{ArtifactNames.Sanitize(database, "db")}.sql",
                    Kind = MysqlKind.Mysql,
                    SourceName = _options.Target,
                    Format = SqlDumps.Sql,
                    Database = database,
                    Container = name,
                    Image = container.Config?.Image,
                    ToolVersion = version.Stdout.Trim(),
                },
                [dump, $"--user={user}", "--single-transaction", "--routines", "--events", "--triggers", "--hex-blob", "--", database],
                secrets,
                new TrailerCheck("-- Dump completed")))
            .ToList();
    }

    private async Task<IReadOnlyList<string>> ListDatabasesAsync(
        ContainerInspect container, string name, string client, string user, IReadOnlyList<string> secrets, CancellationToken cancellationToken)
    {
        var result = await ExecCapture.RunAsync(
            _context.Docker, container.Id, [client, $"--user={user}", "--batch", "--skip-column-names", "--execute=SHOW DATABASES"], secrets, cancellationToken);
        if (!result.Succeeded)
        {
            throw new ArtifactFailedException(
                $"Cannot list the databases of container {name} as user '{user}': {result.Diagnostic}. "
                + "Check `user` / `password` (or `password_file`) of this source, or the container's MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD.");
        }

        return result.Lines.Where(db => !SystemSchemas.Contains(db)).ToList();
    }
}

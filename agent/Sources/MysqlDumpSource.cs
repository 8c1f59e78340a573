using VolumeAgent.Storage;
using VolumeAgent.Docker.Models;
using VolumeAgent.Policy;

namespace VolumeAgent.Sources;

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

    public ManifestSourceKind Kind => ManifestSourceKind.Mysql;

    public async Task<IReadOnlyList<IArtifactProducer>> PlanAsync(CancellationToken cancellationToken)
    {
        var container = await _context.Containers.ResolveRunningDatabaseAsync(_options.Target, cancellationToken);
        var name = ContainerResolver.NameOf(container);

        var (user, password) = await CredentialsAsync(container, cancellationToken);
        IReadOnlyList<string> secrets = password is null ? [] : [$"MYSQL_PWD={password}"];

        var tools = await ExecCapture.RunAsync(
            _context.Docker,
            container.Id,
            ["sh", "-c", "command -v mariadb-dump || command -v mysqldump; command -v mariadb || command -v mysql"],
            null,
            cancellationToken);
        var found = tools.Lines;
        var dump = found.FirstOrDefault(l => l.EndsWith("dump", StringComparison.Ordinal));
        var client = found.FirstOrDefault(l => !l.EndsWith("dump", StringComparison.Ordinal));
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
                container,
                new ArtifactDescriptor
                {
                    BaseFileName = $"{_options.ArtifactName}-{ArtifactNames.Sanitize(database, "db")}.sql",
                    Kind = ManifestSourceKind.Mysql,
                    SourceName = _options.Target,
                    Format = ManifestArtifactFormat.Sql,
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

    private async Task<(string User, string? Password)> CredentialsAsync(ContainerInspect container, CancellationToken cancellationToken)
    {
        if (_options.User is not null)
        {
            return (_options.User, _options.Password?.Reveal());
        }

        var env = new ContainerEnvironment(_context.Docker, container);
        var rootPassword = await env.GetAsync(cancellationToken, "MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD");
        if (rootPassword is not null || _options.Password is not null)
        {
            return ("root", _options.Password?.Reveal() ?? rootPassword);
        }

        var user = await env.GetAsync(cancellationToken, "MARIADB_USER", "MYSQL_USER");
        if (user is not null)
        {
            return (user, await env.GetAsync(cancellationToken, "MARIADB_PASSWORD", "MYSQL_PASSWORD"));
        }

        // MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, or a server set up by hand: root without a password is the last try.
        return ("root", null);
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

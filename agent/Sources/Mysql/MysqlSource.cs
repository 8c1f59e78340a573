using VolumeAgent.Policy;

namespace VolumeAgent.Sources.Mysql;

/// <summary>A MySQL or MariaDB server in a container, dumped with <c>mariadb-dump</c>/<c>mysqldump</c> through <c>docker exec</c>.</summary>
internal sealed record MysqlSource : SourceOptions
{
    /// <summary>Container name, or compose service name resolved within the policy's project.</summary>
    public required string Target { get; init; }

    /// <summary>Databases to dump; empty means every database.</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];

    /// <summary>User to connect as; null uses <c>root</c> with the container's root password variable.</summary>
    public string? User { get; init; }

    public Secret? Password { get; init; }

    public override string Kind => MysqlKind.Name;

    protected override string DefaultArtifactName => "mysql-" + Target;

    public override string Describe() => $"mysql {Target} ({SourceText.Databases(Databases)}{SourceText.User(User)})";
}

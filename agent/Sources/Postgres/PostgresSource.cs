using VolumeAgent.Policy;

namespace VolumeAgent.Sources.Postgres;

/// <summary>A PostgreSQL server in a container, dumped with <c>pg_dump</c> through <c>docker exec</c>.</summary>
internal sealed record PostgresSource : SourceOptions
{
    /// <summary>Container name, or compose service name resolved within the policy's project.</summary>
    public required string Target { get; init; }

    /// <summary>Databases to dump; empty means every database plus the globals (roles).</summary>
    public IReadOnlyList<string> Databases { get; init; } = [];

    public PostgresDumpFormat Format { get; init; } = PostgresDumpFormat.Custom;

    /// <summary>Role to connect as; null uses the container's POSTGRES_USER or <c>postgres</c>.</summary>
    public string? User { get; init; }

    public Secret? Password { get; init; }

    public override string Kind => PostgresKind.Name;

    protected override string DefaultArtifactName => "postgres-" + Target;

    public override string Describe() =>
        $"postgres {Target} ({SourceText.Databases(Databases)}, {(Format == PostgresDumpFormat.Custom ? "custom" : "plain")} format{SourceText.User(User)})";
}

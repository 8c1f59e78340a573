using VolumeAgent.Docker.Models;
using VolumeAgent.Restore;
using VolumeAgent.Sources.Shared.Databases;
using VolumeAgent.Storage;
using VolumeAgent.Manifest;

namespace VolumeAgent.Sources.Mysql;

/// <summary>Plans each database into the MySQL or MariaDB container (one connection per container).</summary>
internal sealed class MysqlRestorePlanner : DatabaseRestorePlanner<MysqlTarget>
{
    public MysqlRestorePlanner(RestorePlanning planning)
        : base(planning)
    {
    }

    protected override Policy.SourceOptions SafetySource(MysqlTarget target, IReadOnlyList<string> databases, string? user, string? password) =>
        new MysqlSource { Target = target.Name, Databases = databases, User = user, Password = password is null ? null : new Policy.Secret(password) };

    protected override (string? User, string? Password) CredentialsOf(ManifestArtifact artifact) =>
        Planning.SourcesOf<MysqlSource>().FirstOrDefault(my => string.Equals(my.Target, artifact.SourceName, StringComparison.Ordinal)) is { } source
            ? (source.User, source.Password?.Reveal())
            : (null, null);

    protected override Task<MysqlTarget> ConnectAsync(ContainerInspect container, string? user, string? password, CancellationToken cancellationToken) =>
        MysqlTarget.ConnectAsync(Planning.Context.Docker, container, user, password, Planning.Context.Log, cancellationToken);
}

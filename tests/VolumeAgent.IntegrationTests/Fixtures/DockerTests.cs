namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// Every test that talks to the engine belongs to one of these collections. The collections run side by side
/// (TestParallelization.cs), each with its own <see cref="DockerFixture"/>: its own client, run id and sweep at the
/// end. Tests of one collection run one at a time. A collection holds tests that would slow or disturb each other
/// (the same kind of server, the same fixtures), and the collections are of about the same length, so the run takes
/// about as long as the longest. Tests that look at the whole engine (a swarm, engine-wide counts) or the whole test
/// process (its allocated bytes) go in
/// <see cref="DockerAloneTests"/>, which runs after the others, alone.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DockerTests : ICollectionFixture<DockerFixture>
{
    /// <summary>The engine layer, the agent's commands, its daemon and image, HTTP, notifiers.</summary>
    public const string Name = "docker";

    /// <summary>Backups and restores of volumes and databases to local storage.</summary>
    public const string Databases = "docker-databases";

    /// <summary>Off-site storages: S3, SFTP, several at once, encryption.</summary>
    public const string Storages = "docker-storages";

    /// <summary>Restic repositories.</summary>
    public const string Restic = "docker-restic";

    /// <summary>The fault suite, stops and hooks, the socket proxy.</summary>
    public const string Faults = "docker-faults";

    /// <summary>Other engines: remote (TLS, ssh), several, a two-node swarm of engines the tests start.</summary>
    public const string Engines = "docker-engines";

    /// <summary>Tests that need the engine to themselves: they run last, with no other collection beside them.</summary>
    public const string Alone = "docker-alone";
}

[CollectionDefinition(DockerTests.Databases)]
public sealed class DockerDatabaseTests : ICollectionFixture<DockerFixture>;

[CollectionDefinition(DockerTests.Storages)]
public sealed class DockerStorageTests : ICollectionFixture<DockerFixture>;

[CollectionDefinition(DockerTests.Restic)]
public sealed class DockerResticTests : ICollectionFixture<DockerFixture>;

[CollectionDefinition(DockerTests.Faults)]
public sealed class DockerFaultTests : ICollectionFixture<DockerFixture>;

[CollectionDefinition(DockerTests.Engines)]
public sealed class DockerEngineTests : ICollectionFixture<DockerFixture>;

[CollectionDefinition(DockerTests.Alone, DisableParallelization = true)]
public sealed class DockerAloneTests : ICollectionFixture<DockerFixture>;

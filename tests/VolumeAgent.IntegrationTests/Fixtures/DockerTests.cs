namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>Every test that talks to the engine belongs here: one client, one run id, one sweep at the end.</summary>
[CollectionDefinition(Name)]
public sealed class DockerTests : ICollectionFixture<DockerFixture>
{
    public const string Name = "docker";
}

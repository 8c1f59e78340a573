using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// Service containers (PostgreSQL, MariaDB, Redis) started through Testcontainers, named (backup.yml names them)
/// and labelled with this run's labels, so that the scope removes them at the end of the test and the fixture's
/// label sweep after a crash (Ryuk, Testcontainers' own reaper, is disabled: its image cannot be pulled here).
/// Testcontainers only inspects the local test images, it never pulls them.
/// </summary>
internal static class ServiceContainers
{
    /// <summary>How long a server may take to become ready: the images' health checks allow a 120 s start period.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Waits for the image's own HEALTHCHECK (the real client probing the real server) to pass.</summary>
    public static IWaitForContainerOS UntilHealthy() =>
        Wait.ForUnixContainer().UntilContainerIsHealthy(failingStreak: 3, w => w.WithTimeout(ReadyTimeout));

    /// <summary>Starts <paramref name="container"/> (already labelled via <see cref="DockerFixture.LabelsWith"/>), tracked by <paramref name="scope"/> from before its start.</summary>
    public static async Task<string> StartAsync(TestScope scope, IContainer container, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(container);
        await scope.Fixture.RequireImageAsync(container.Image.FullName, cancellationToken);
        scope.TrackService(container);
        try
        {
            await container.StartAsync(cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Service container {name} ({container.Image.FullName}) was not ready within {ReadyTimeout.TotalSeconds:0} s: {ex.Message}", ex);
        }

        scope.TrackContainer(container.Id);
        return container.Id;
    }
}

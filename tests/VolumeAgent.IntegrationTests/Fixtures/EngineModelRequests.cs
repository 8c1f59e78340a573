using VolumeAgent.Docker.Models;
using Library = Docker.DotNet.Models;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// For the tests of the agent's engine layer only: they describe containers in the agent's own request model (the
/// one its operations take), and their set-up still goes through the library client. These overloads translate a
/// request field by field and hand it to <see cref="TestScope"/> / <see cref="DockerFixture"/>.
/// </summary>
internal static class EngineModelRequests
{
    public static Task<string> CreateContainerAsync(this TestScope scope, ContainerCreateRequest request, CancellationToken cancellationToken, string? name = null) =>
        scope.CreateContainerAsync(ToLibrary(request), cancellationToken, name);

    public static Task<string> RunContainerAsync(this TestScope scope, ContainerCreateRequest request, CancellationToken cancellationToken, string? name = null) =>
        scope.RunContainerAsync(ToLibrary(request), cancellationToken, name);

    public static Task<ContainerResult> RunToCompletionAsync(this TestScope scope, ContainerCreateRequest request, CancellationToken cancellationToken) =>
        scope.RunToCompletionAsync(ToLibrary(request), cancellationToken);

    public static Task<string> StartSleeperAsync(this TestScope scope, CancellationToken cancellationToken, IReadOnlyList<MountSpec>? mounts = null, string image = TestImages.Helper) =>
        scope.StartSleeperAsync(cancellationToken, mounts is null ? null : [.. mounts.Select(ToLibrary)], image);

    public static Task<string> RunContainerAsync(this DockerFixture fixture, ContainerCreateRequest request, CancellationToken cancellationToken, string? name = null) =>
        fixture.RunContainerAsync(ToLibrary(request), cancellationToken, name);

    public static Library.CreateContainerParameters ToLibrary(ContainerCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new Library.CreateContainerParameters
        {
            Image = request.Image,
            Cmd = request.Cmd is null ? null! : [.. request.Cmd],
            Entrypoint = request.Entrypoint is null ? null! : [.. request.Entrypoint],
            Env = request.Env is null ? null! : [.. request.Env],
            User = request.User!,
            WorkingDir = request.WorkingDir!,
            Labels = request.Labels is null ? null! : new Dictionary<string, string>(request.Labels, StringComparer.Ordinal),
            AttachStdin = request.AttachStdin,
            AttachStdout = request.AttachStdout,
            AttachStderr = request.AttachStderr,
            OpenStdin = request.OpenStdin,
            StdinOnce = request.StdinOnce,
            Tty = request.Tty,
            HostConfig = request.HostConfig is not { } host ? null! : new Library.HostConfig
            {
                Mounts = host.Mounts is null ? null! : [.. host.Mounts.Select(ToLibrary)],
                Binds = host.Binds is null ? null! : [.. host.Binds],
                NetworkMode = host.NetworkMode!,
                CapAdd = host.CapAdd is null ? null! : [.. host.CapAdd],
                CapDrop = host.CapDrop is null ? null! : [.. host.CapDrop],
                SecurityOpt = host.SecurityOpt is null ? null! : [.. host.SecurityOpt],
                LogConfig = host.LogConfig is null ? null! : new Library.LogConfig { Type = host.LogConfig.Type },
                AutoRemove = host.AutoRemove,
                ReadonlyRootfs = host.ReadonlyRootfs,
            },
        };
    }

    private static Library.Mount ToLibrary(MountSpec mount) =>
        new() { Type = mount.Type, Source = mount.Source, Target = mount.Target, ReadOnly = mount.ReadOnly };
}

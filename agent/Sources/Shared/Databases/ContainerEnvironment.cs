using VolumeAgent.Docker;
using VolumeAgent.Docker.Models;
using VolumeAgent.Sources.Shared.Exec;

namespace VolumeAgent.Sources.Shared.Databases;

/// <summary>
/// A database container's own configuration, read as its image's entrypoint reads it: NAME from the
/// environment, or NAME_FILE naming a file inside the container (Docker secrets).
/// </summary>
internal sealed class ContainerEnvironment
{
    private readonly IDockerEngine _docker;
    private readonly ContainerInspect _container;
    private readonly Dictionary<string, string> _variables;

    public ContainerEnvironment(IDockerEngine docker, ContainerInspect container)
    {
        _docker = docker;
        _container = container;
        _variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in container.Config?.Env ?? [])
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                _variables[entry[..equals]] = entry[(equals + 1)..];
            }
        }
    }

    public bool Has(string name) => _variables.ContainsKey(name) || _variables.ContainsKey(name + "_FILE");

    /// <summary>The first of the names that is set, directly or through its _FILE twin.</summary>
    public async Task<string?> GetAsync(CancellationToken cancellationToken, params string[] names)
    {
        foreach (var name in names)
        {
            if (_variables.TryGetValue(name, out var value))
            {
                return value;
            }

            if (_variables.TryGetValue(name + "_FILE", out var file) && file.Length > 0)
            {
                var result = await ExecCapture.RunAsync(_docker, _container.Id, ["cat", file], null, cancellationToken);
                if (!result.Succeeded)
                {
                    throw new ArtifactFailedException(
                        $"Container {ContainerResolver.NameOf(_container)} sets {name}_FILE={file}, but the file cannot be read there: {result.Diagnostic}");
                }

                return result.Stdout.TrimEnd('\n', '\r');
            }
        }

        return null;
    }
}

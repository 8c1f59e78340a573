using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace VolumeAgent.IntegrationTests.Fixtures;

/// <summary>
/// The leak check for volumes nobody names: a container made from an image that declares a VOLUME (postgres, mariadb,
/// redis, sshd) gets an anonymous volume, and removing the container without its volumes leaves it behind, unlabelled
/// and unused. A snapshot of the engine's dangling anonymous volumes taken at the start of a test (or a run) and
/// compared at its end names every one that appeared in between.
/// </summary>
internal static partial class AnonymousVolumes
{
    /// <summary>Newer engines mark anonymous volumes with this label; engine 20.10 gives them no label at all.</summary>
    private const string AnonymousLabel = "com.docker.volume.anonymous";

    /// <summary>The names of the engine's anonymous volumes that no container uses.</summary>
    public static async Task<IReadOnlySet<string>> DanglingAsync(DockerClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var filters = new Dictionary<string, IDictionary<string, bool>>(StringComparer.Ordinal) { ["dangling"] = new Dictionary<string, bool> { ["true"] = true } };
        var volumes = (await client.Volumes.ListAsync(new VolumesListParameters { Filters = filters }, cancellationToken)).Volumes ?? [];
        return volumes.Where(IsAnonymous).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// While another collection's container is created or removed with its volumes, its anonymous volume is briefly
    /// unused: a volume found dangling counts as leaked only if it is still there, and still unused, this long after.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    /// <summary>The dangling anonymous volumes now that were not in <paramref name="before"/>, and still are after <see cref="Settle"/>.</summary>
    public static async Task<IReadOnlyList<string>> NewSinceAsync(DockerClient client, IReadOnlySet<string> before, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(before);
        var found = (await DanglingAsync(client, cancellationToken)).Where(v => !before.Contains(v)).ToList();
        if (found.Count == 0)
        {
            return [];
        }

        await Task.Delay(Settle, cancellationToken);
        var still = await DanglingAsync(client, cancellationToken);
        return [.. found.Where(still.Contains).Order(StringComparer.Ordinal)];
    }

    /// <summary>Why the check failed: the leaked volumes, what created them (if the engine still knows) and the fix.</summary>
    public static string Describe(IReadOnlyList<string> leaked, string during) =>
        $"{leaked.Count} anonymous volume(s) appeared during {during} and no container uses them: {string.Join(", ", leaked)}. "
        + "A container of an image that declares a VOLUME must be removed with its volumes (`docker rm -v`, RemoveVolumes = true).";

    private static bool IsAnonymous(VolumeResponse volume) =>
        (volume.Labels is null || volume.Labels.Count == 0 || volume.Labels.ContainsKey(AnonymousLabel)) && HexName().IsMatch(volume.Name ?? string.Empty);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex HexName();
}

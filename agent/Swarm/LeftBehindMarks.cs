using System.Collections.Concurrent;
using VolumeAgent.Manifest;

namespace VolumeAgent.Swarm;

/// <summary>
/// The volumes a moved task left on this node that a set of the job already holds as the task left them: one file per
/// job and volume under <c>state_dir/swarm-left-behind/</c>, holding the ended tasks' ids. A left-behind volume is
/// backed up once more by the first run after the move (it holds what the task wrote after this node's last set
/// before the move, which no set has), and skipped only by the runs after one whose set stored it: nothing twice
/// from then on, nothing missed. A mark is written only once the volume's artifact succeeded (<see cref="Commit"/>);
/// a new move (other task ids) starts again.
/// </summary>
internal sealed class LeftBehindMarks(string stateDir, string job)
{
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);

    /// <summary>Whether a set of the job already holds <paramref name="volume"/> as the tasks <paramref name="tasks"/> left it.</summary>
    public bool IsStored(string volume, string tasks)
    {
        var path = PathOf(volume);
        return File.Exists(path) && File.ReadAllText(path).Trim() == tasks;
    }

    /// <summary>This run backs <paramref name="volume"/> up once more (its artifact's source kind <paramref name="kind"/>); marked when that artifact succeeds.</summary>
    public void Pend(ManifestSourceKind kind, string volume, string tasks) => _pending[kind.Name + ":" + volume] = tasks;

    /// <summary>Marks each pending volume whose artifact of this run succeeded.</summary>
    public void Commit(IEnumerable<ManifestArtifact> artifacts)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        foreach (var artifact in artifacts.Where(a => a.Status == ManifestStatus.Succeeded))
        {
            if (_pending.TryRemove(artifact.SourceKind.Name + ":" + artifact.SourceName, out var tasks))
            {
                var path = PathOf(artifact.SourceName);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, tasks + "\n");
            }
        }
    }

    private string PathOf(string volume) => Path.Combine(stateDir, "swarm-left-behind", Safe(job), Safe(volume));

    // Volume and job names are [a-zA-Z0-9][a-zA-Z0-9_.-]*; anything else cannot climb out of the folder.
    private static string Safe(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_')).TrimStart('.');
}

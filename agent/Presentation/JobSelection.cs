using VolumeAgent.Policy;
using VolumeAgent.Policy.Jobs;

namespace VolumeAgent.Presentation;

/// <summary>Which jobs a command means, for <c>run-now</c>, <c>prune</c>, <c>verify --latest</c> and the daemon alike.</summary>
internal static class JobSelection
{
    /// <summary>The jobs named on the command line, every job when none is named.</summary>
    /// <exception cref="UsageException">A name that is no job; the message lists the jobs there are.</exception>
    public static IReadOnlyList<JobOptions> Select(BackupPolicy policy, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return policy.Jobs;
        }

        var unknown = names.Where(n => policy.FindJob(n) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException(
                $"No job named {string.Join(", ", unknown.Select(n => $"'{n}'"))} in the configuration. Jobs: {string.Join(", ", policy.Jobs.Select(j => j.Name))}.");
        }

        return names.Distinct(StringComparer.Ordinal).Select(n => policy.FindJob(n)!).ToList();
    }
}

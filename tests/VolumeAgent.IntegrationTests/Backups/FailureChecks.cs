using VolumeAgent.IntegrationTests.Fixtures;

namespace VolumeAgent.IntegrationTests.Backups;

/// <summary>
/// What every failed run must leave: a set whose manifest says failed, no file under a final name for what
/// failed (and no partial file), and the job's earlier good set exactly as it was.
/// </summary>
internal static class FailureChecks
{
    /// <summary>Runs <paramref name="config"/> once, expecting success, and records the set it made.</summary>
    public static async Task<EarlierSet> MakeEarlierSetAsync(AgentWorkspace workspace, string job, string config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        workspace.WriteConfig(config);
        var result = await workspace.RunAsync(cancellationToken, "run-now", job);
        result.ExitCode.Should().Be(0, $"the earlier run must succeed: {result}");
        var sets = workspace.SetDirectories(job);
        sets.Should().ContainSingle();
        var set = await BackupSet.ReadAsync(sets[0], cancellationToken);
        await set.VerifyAsync(job, "succeeded", cancellationToken);
        return new EarlierSet(set.Path, await BackupSet.SnapshotAsync(set.Path, cancellationToken));
    }

    /// <summary>The set of the failed run after <paramref name="earlier"/>, checked as a finished, failed set.</summary>
    public static async Task<BackupSet> FailedSetAsync(AgentWorkspace workspace, string job, EarlierSet earlier, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(earlier);
        var sets = workspace.SetDirectories(job);
        // Not by name order: two runs within one second have run ids that sort by their random part.
        sets.Should().HaveCount(2, "the failed run makes a set of its own").And.Contain(earlier.Path);
        var set = await BackupSet.ReadAsync(sets.Single(s => s != earlier.Path), cancellationToken);
        await set.VerifyAsync(job, "failed", cancellationToken);
        return set;
    }

    /// <summary>
    /// Waits until the partial file of <paramref name="dumpFile"/> in the job's new set (any set but
    /// <paramref name="earlierSet"/>) exists and grows between two looks: the dump is streaming now. Returns its length.
    /// </summary>
    public static async Task<long> WhenDumpGrowsAsync(
        AgentWorkspace workspace, string job, string? earlierSet, string dumpFile, AgentRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(run);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        long seen = 0;
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            run.HasExited.Should().BeFalse($"the run must still be dumping; it ended: {run.OutputSoFar}");
            var set = workspace.SetDirectories(job).FirstOrDefault(s => s != earlierSet);
            var partial = set is null ? null : new FileInfo(System.IO.Path.Combine(set, $".{dumpFile}.partial"));
            if (partial is { Exists: true })
            {
                var length = partial.Length;
                if (seen > 0 && length > seen)
                {
                    return length;
                }

                seen = length;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"The partial dump file {dumpFile} did not appear and grow within 60 s. Agent output: {run.OutputSoFar}");
    }

    public static void ExpectNoFile(BackupSet set, params string[] files)
    {
        ArgumentNullException.ThrowIfNull(set);
        var present = Directory.EnumerateFiles(set.Path).Select(Path.GetFileName).ToList();
        foreach (var file in files)
        {
            present.Should().NotContain(file, "a failed artifact is never kept under its final name");
            present.Should().NotContain($".{file}.partial", "a failed artifact's partial file is removed");
        }
    }
}

/// <summary>A good set made before a failing run, with every file's size and hash as they were.</summary>
internal sealed record EarlierSet(string Path, IReadOnlyDictionary<string, (long Length, string Sha256)> Files)
{
    public async Task ExpectUntouchedAsync(CancellationToken cancellationToken)
    {
        Directory.Exists(Path).Should().BeTrue("a failed run never removes an earlier set");
        (await BackupSet.SnapshotAsync(Path, cancellationToken)).Should().Equal(Files, "a failed run never touches an earlier set");
    }
}

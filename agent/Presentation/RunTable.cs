using System.Globalization;
using VolumeAgent.Manifest;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Presentation;

/// <summary>The table at the end of a run-now: every artifact with its size, duration and status.</summary>
internal static class RunTable
{
    private static readonly string[] Header = ["JOB", "ARTIFACT", "RAW", "STORED", "DURATION", "STATUS"];

    public static void Write(TextWriter output, IReadOnlyList<RunResult> results)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(results);
        var rows = new List<string[]> { Header };
        foreach (var result in results)
        {
            foreach (var artifact in result.Artifacts)
            {
                rows.Add(
                [
                    result.Job,
                    artifact.File ?? (artifact.Snapshot is { } snapshot ? $"{artifact.SourceName} (snapshot in {snapshot.Storage})" : $"({artifact.SourceName})"),
                    Bytes.Format(artifact.RawBytes),
                    Bytes.Format(artifact.StoredBytes),
                    $"{artifact.DurationMs / 1000.0:0.0} s",
                    artifact.Status == ManifestStatus.Succeeded ? "ok" : "FAILED",
                ]);
            }
        }

        output.WriteLine();
        TextTable.Write(output, rows);
        foreach (var result in results)
        {
            var set = result.SetName.Length > 0 ? $"set {result.SetName}" : "no set written";
            output.WriteLine(result.Succeeded
                ? $"job {result.Job}: succeeded, {set}"
                : $"job {result.Job}: FAILED, {set}: {result.Error}");
            foreach (var artifact in result.Artifacts.Where(a => a.Status != ManifestStatus.Succeeded))
            {
                output.WriteLine($"  {artifact.File ?? artifact.SourceName}: {artifact.Error}");
            }
        }
    }

    /// <summary>The line a terminal shows for a finished artifact, the same in-process and through the daemon.</summary>
    public static string ArtifactLine(string job, ManifestArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return ArtifactLine(
            job, artifact.File, artifact.SourceName, artifact.Status == ManifestStatus.Succeeded, artifact.RawBytes, artifact.StoredBytes, artifact.DurationMs, artifact.Error);
    }

    /// <summary>The same line from an artifact's fields as the control protocol carries them.</summary>
    public static string ArtifactLine(
        string? job, string? file, string? source, bool succeeded, long rawBytes, long storedBytes, long durationMs, string? error) => succeeded
        ? string.Create(
            CultureInfo.InvariantCulture,
            $"  ok    {job}/{file ?? source}  {Bytes.Format(rawBytes)} -> {Bytes.Format(storedBytes)}  {durationMs / 1000.0:0.0} s")
        : $"  FAIL  {job}/{file ?? source}: {error}";
}

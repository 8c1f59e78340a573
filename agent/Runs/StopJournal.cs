using System.Text.Json;
using System.Text.Json.Serialization;

namespace VolumeAgent.Runs;

/// <summary>
/// The record of containers a run stopped, written before the first is stopped and removed after the last
/// is running again. If the agent dies in between, the next start finds the journal (its process no longer
/// holds its instance lock) and starts those containers again.
/// </summary>
internal sealed class StopJournal
{
    private const string Folder = "journal";

    private StopJournal(string path, JournalRecord record)
    {
        Path = path;
        Record = record;
    }

    public string Path { get; }

    public JournalRecord Record { get; }

    public static async Task<StopJournal> WriteAsync(
        string stateDir, string instanceId, string job, string runId, IReadOnlyList<JournalContainer> containers, CancellationToken cancellationToken)
    {
        var folder = System.IO.Path.Combine(stateDir, Folder);
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var record = new JournalRecord(instanceId, job, runId, containers);
        var path = System.IO.Path.Combine(folder, $"{job}-{runId}.json");
        var temporary = path + ".tmp";
        await using (var file = new FileStream(temporary, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            await JsonSerializer.SerializeAsync(file, record, JournalJsonContext.Default.JournalRecord, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return new StopJournal(path, record);
    }

    /// <summary>Journals whose writer is dead: what a crash left for this start to finish.</summary>
    public static IReadOnlyList<StopJournal> FindOrphaned(string stateDir)
    {
        var folder = System.IO.Path.Combine(stateDir, Folder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var orphans = new List<StopJournal>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
        {
            JournalRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(File.ReadAllBytes(path), JournalJsonContext.Default.JournalRecord);
            }
            catch (JsonException)
            {
                record = null;
            }

            if (record is null)
            {
                Serilog.Log.Warning("Stop journal {Path} cannot be read; containers it lists may need `docker start` by hand", path);
                continue;
            }

            if (!AgentInstance.IsAlive(stateDir, record.InstanceId))
            {
                orphans.Add(new StopJournal(path, record));
            }
        }

        return orphans;
    }

    public void Delete() => File.Delete(Path);
}

internal sealed record JournalRecord(
    [property: JsonPropertyName("instance_id")] string InstanceId,
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("containers")] IReadOnlyList<JournalContainer> Containers);

internal sealed record JournalContainer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;

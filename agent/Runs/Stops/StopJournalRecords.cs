using System.Text.Json.Serialization;

namespace VolumeAgent.Runs.Stops;

// The stop journal's file format (journal/stopped.json), and the one-file-per-run format of earlier versions
// that StopJournal still takes in.

/// <summary>A run that holds containers stopped: the agent process it runs in, its job and its run id.</summary>
internal sealed record JournalHolder(
    [property: JsonPropertyName("instance_id")] string InstanceId,
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("run_id")] string RunId);

/// <summary>
/// A container the agent stopped: its State.StartedAt when it was stopped (null when not known), the run that
/// stopped it, the runs that hold it stopped now, and the engine it is on (null: the default engine, as every entry
/// written before engines had names).
/// </summary>
internal sealed record StoppedContainer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("started_at")] string? StartedAt,
    [property: JsonPropertyName("stopped_by")] JournalHolder StoppedBy,
    [property: JsonPropertyName("holders")] IReadOnlyList<JournalHolder> Holders,
    [property: JsonPropertyName("engine"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Engine = null)
{
    /// <summary>The engine's name, the default one when the entry names none.</summary>
    [JsonIgnore]
    public string EngineName => Engine ?? Docker.Engines.EngineRegistry.DefaultName;

    /// <summary>
    /// Paused rather than stopped (a Swarm task, which Swarm would replace if it stopped): it comes back by unpausing.
    /// Absent in journals of earlier versions, which stopped every container.
    /// </summary>
    [JsonPropertyName("paused")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Paused { get; init; }
}

internal sealed record JournalFile([property: JsonPropertyName("containers")] IReadOnlyList<StoppedContainer> Containers);

/// <summary>The journal of one run, as agent versions before the shared journal wrote it.</summary>
internal sealed record JournalRecord(
    [property: JsonPropertyName("instance_id")] string InstanceId,
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("run_id")] string RunId,
    [property: JsonPropertyName("containers")] IReadOnlyList<JournalContainer> Containers);

internal sealed record JournalContainer(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JournalFile))]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;

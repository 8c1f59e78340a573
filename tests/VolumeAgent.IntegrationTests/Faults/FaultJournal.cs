using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VolumeAgent.IntegrationTests.Faults;

/// <summary>How a run met its fault, as docs/reliability.md states it.</summary>
internal enum FaultResult
{
    /// <summary>The run ended failed (exit 1) with an error naming the cause.</summary>
    FailedNamingCause,

    /// <summary>The agent retried and the run succeeded.</summary>
    RetriedAndSucceeded,

    /// <summary>The agent itself was killed; the next start repaired what the killed one left.</summary>
    RepairedAtNextStart,

    /// <summary>Nothing went wrong: the measure of many runs (the soak).</summary>
    NoGrowth,
}

/// <summary>One fault test's outcome, as a line of the fault journal.</summary>
internal sealed record FaultRecord(
    string Fault,
    string Test,
    FaultResult Result,
    string Happened,
    string Lost,
    TimeSpan Detected,
    TimeSpan Recovered,
    IReadOnlyDictionary<string, string>? Measures = null);

/// <summary>
/// The fault suite's results: one JSON line per passed fault test, appended to
/// <c>.artifacts/faults/outcomes.jsonl</c> at the repository root (or <c>$VA_FAULT_JOURNAL</c>), from which
/// <c>tests/faults/reliability.py</c> writes the table of docs/reliability.md and checks it (`--check`).
/// A test writes its line only once every check of the shared assertion set passed.
/// </summary>
internal static class FaultJournal
{
    public const string Variable = "VA_FAULT_JOURNAL";
    private static readonly Lock Gate = new();

    public static string Path => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path
        ? path
        : System.IO.Path.Combine(RepositoryRoot(), ".artifacts", "faults", "outcomes.jsonl");

    public static void Write(string testRun, FaultRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("run", testRun);
            json.WriteString("at", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteString("fault", record.Fault);
            json.WriteString("test", record.Test);
            json.WriteString("result", Name(record.Result));
            json.WriteString("happened", record.Happened);
            json.WriteString("lost", record.Lost);
            json.WriteNumber("detected_seconds", Math.Round(record.Detected.TotalSeconds, 1));
            json.WriteNumber("recovered_seconds", Math.Round(record.Recovered.TotalSeconds, 1));
            if (record.Measures is not null)
            {
                json.WriteStartObject("measures");
                foreach (var (name, value) in record.Measures)
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
        lock (Gate)
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            File.AppendAllText(Path, line);
        }
    }

    public static string Name(FaultResult result) => result switch
    {
        FaultResult.FailedNamingCause => "failed, naming the cause",
        FaultResult.RetriedAndSucceeded => "retried, succeeded",
        FaultResult.RepairedAtNextStart => "repaired at the next start",
        FaultResult.NoGrowth => "no growth",
        _ => throw new ArgumentOutOfRangeException(nameof(result), result, null),
    };

    /// <summary>The directory holding VolumeAgent.sln, above the test assembly.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "VolumeAgent.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No VolumeAgent.sln above {AppContext.BaseDirectory}: set {Variable} to the fault journal's path.");
    }
}

using VolumeAgent.Operations;
using VolumeAgent.Restore;
using VolumeAgent.Runs;
using VolumeAgent.Restore.Verification;

namespace VolumeAgent.Presentation;

/// <summary>
/// What a terminal shows of runs and verifications made in this process: each job's start and artifacts as they
/// finish, a run that could not start, each copy of a set checked with its outcome, and the run table at the end.
/// </summary>
internal sealed class RunConsole : IRunSubscriber
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly List<RunResult> _results = [];

    public RunConsole(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        _output = output;
        _error = error;
    }

    /// <summary>The results of the runs that ended with one, in order.</summary>
    public IReadOnlyList<RunResult> Results => _results;

    public void OnEvent(RunEvent runEvent)
    {
        switch (runEvent)
        {
            case RunSkipped skipped:
                _error.WriteLine($"Job {skipped.Job} is already running in another agent process; not started again. Wait for it to finish.");
                break;
            case RunStarted started:
                _output.WriteLine($"job {started.Job}: running");
                break;
            case ArtifactFinished finished:
                _output.WriteLine(RunTable.ArtifactLine(finished.Job, finished.Artifact));
                break;
            case RunEnded { Result: { } result }:
                _results.Add(result);
                break;
            case VerificationStarted verification:
                _output.WriteLine($"{(verification.Drill ? "drill" : "verify")} {verification.Set.Name} in storage {verification.Set.StorageName}:");
                break;
            case VerificationEnded verification:
                Write(verification.Result);
                break;
            default:
                break;
        }
    }

    /// <summary>Writes the table of every artifact of the runs that ended with a result.</summary>
    public void WriteTable() => RunTable.Write(_output, _results);

    private void Write(VerificationResult result)
    {
        foreach (var artifact in result.Artifacts)
        {
            _output.WriteLine($"  {(artifact.Succeeded ? "ok  " : "FAIL")}  {artifact.Detail}");
        }

        foreach (var problem in result.Problems)
        {
            _output.WriteLine($"  FAIL  {problem}");
        }

        _output.WriteLine(result.Succeeded
            ? $"  {result.Kind.ToString().ToLowerInvariant()} succeeded"
            : $"  {result.Kind.ToString().ToLowerInvariant()} FAILED");
        if (result.RecordError is not null)
        {
            _output.WriteLine($"  (the result could not be written to the set's manifest: {result.RecordError})");
        }
    }
}

using VolumeAgent.Manifest;
using VolumeAgent.Presentation;
using VolumeAgent.Runs;
using VolumeAgent.Storage;

namespace VolumeAgent.Tests.Presentation;

public sealed class RunTableTests
{
    private static readonly DateTimeOffset Started = new(2026, 3, 21, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Write_RunFailedBeforeItWroteASet_SaysNoSetWasWrittenInsteadOfAnEmptyName()
    {
        var output = new StringWriter();

        RunTable.Write(output, [Result("nightly", ManifestStatus.Failed, string.Empty, "The before hook 1 (sh in app) exited with code 3")]);

        output.ToString().Should().Contain("job nightly: FAILED, no set written: The before hook 1 (sh in app) exited with code 3")
            .And.NotContain("set :");
    }

    [Fact]
    public void Write_RunsWithASet_NameTheirSet()
    {
        var output = new StringWriter();

        RunTable.Write(output, [
            Result("nightly", ManifestStatus.Succeeded, "20260321T020000Z-1a2b3c4d", null),
            Result("hourly", ManifestStatus.Failed, "20260321T020000Z-5e6f7a8b", "1 of 2 artifact(s) failed."),
        ]);

        output.ToString().Should().Contain("job nightly: succeeded, set 20260321T020000Z-1a2b3c4d")
            .And.Contain("job hourly: FAILED, set 20260321T020000Z-5e6f7a8b: 1 of 2 artifact(s) failed.");
    }

    private static RunResult Result(string job, ManifestStatus status, string set, string? error) => new()
    {
        Job = job,
        RunId = RunId.New(),
        Status = status,
        StartedAt = Started,
        FinishedAt = Started.AddMinutes(1),
        SetName = set,
        Artifacts = [],
        Error = error,
    };
}

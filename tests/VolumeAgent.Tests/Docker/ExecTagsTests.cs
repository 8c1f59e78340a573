using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Tests.Docker;

public sealed class ExecTagsTests
{
    [Fact]
    public void TryRead_AStoppableExecOfAnAgent_GivesItsOwnerTagAndProgram()
    {
        const string Tag = "volume-agent-exec:0a1b2c3d4e5f:9f8e7d6c5b4a39281706f5e4d3c2b1a0";
        var exec = Exec("sh", [.. ExecProcess.PidAnnouncingShell(Tag).Skip(1), "pg_dump", "--format=custom", "app"]);

        ExecTags.TryRead(exec, out var owner, out var tag, out var program).Should().BeTrue();

        (owner, tag, program).Should().Be(("0a1b2c3d4e5f", Tag, "pg_dump"));
    }

    [Fact]
    public void New_NamesThisProcesssInstance_AndIsReadBack()
    {
        var before = ExecTags.Owner;
        try
        {
            ExecTags.Owner = "abcdef012345";
            var tag = ExecTags.New();

            tag.Should().StartWith("volume-agent-exec:abcdef012345:");
            ExecTags.TryRead(Exec("sh", ["-c", ExecProcess.PidAnnouncingScript, tag, "sleep", "600"]), out var owner, out _, out _).Should().BeTrue();
            owner.Should().Be("abcdef012345");
        }
        finally
        {
            ExecTags.Owner = before;
        }
    }

    [Theory]
    [InlineData("bash", "-c", "volume-agent-exec:abc:def")]
    [InlineData("sh", "-x", "volume-agent-exec:abc:def")]
    [InlineData("sh", "-c", "sh")]
    [InlineData("sh", "-c", "volume-agent-exec:abc")]
    [InlineData("sh", "-c", "volume-agent-exec::def")]
    public void TryRead_AnythingElse_IsNotAnAgentsExec(string entrypoint, string flag, string name)
    {
        ExecTags.TryRead(Exec(entrypoint, [flag, ExecProcess.PidAnnouncingScript, name, "pg_dump"]), out _, out _, out _).Should().BeFalse();
        ExecTags.TryRead(Exec("sh", ["-c", "echo other script", "volume-agent-exec:abc:def", "pg_dump"]), out _, out _, out _).Should().BeFalse();
        ExecTags.TryRead(Exec("sh", ["-c", ExecProcess.PidAnnouncingScript, "volume-agent-exec:abc:def"]), out _, out _, out _).Should().BeFalse("no program follows");
    }

    private static ExecInspect Exec(string entrypoint, IReadOnlyList<string> arguments) =>
        new() { ID = "exec", Running = true, Entrypoint = entrypoint, Arguments = arguments };
}

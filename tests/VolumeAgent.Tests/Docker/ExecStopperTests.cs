using VolumeAgent.Docker;
using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Tests.Docker;

public sealed class ExecStopperTests
{
    [Theory]
    [InlineData("ended 2 0\n", 2, 0)]
    [InlineData("ended 1 1\n", 1, 1)]
    [InlineData("ended 0 0\n", 0, 0)]
    public void Parse_EveryProcessEnded_ReturnsTheCounts(string output, int processes, int killed)
    {
        ExecStopper.Parse(output, 0).Should().Be(new ExecStopReport(processes, killed, ContainerGone: false));
    }

    [Theory]
    [InlineData("left 12 sleep\n", 3)]
    [InlineData("", 0)]
    [InlineData("ended 2 0\n", 127)]
    [InlineData("sh: grep: not found\n", 0)]
    public void Parse_ProcessesLeftOrTheScriptFailed_ReturnsNull(string output, long exit)
    {
        ExecStopper.Parse(output, exit).Should().BeNull();
    }

    [Fact]
    public void Left_LinesOfProcessesLeft_NamesEachPidWithItsProgram()
    {
        ExecStopper.Left("left 12 sleep\nleft 18 my prog\nleft 30\n").Should().Equal("pid 12 (sleep)", "pid 18 (my prog)", "pid 30");
    }

    [Fact]
    public void ToString_Reports_SayWhatEndedAndHow()
    {
        new ExecStopReport(2, 0, ContainerGone: false).ToString().Should().Be("2 process(es) ended on SIGTERM");
        new ExecStopReport(1, 1, ContainerGone: false).ToString().Should().Be("1 process(es) ended, 1 of them by SIGKILL after ignoring SIGTERM for 2 s");
        new ExecStopReport(0, 0, ContainerGone: true).ToString().Should().Be("its container is no longer running");
    }
}

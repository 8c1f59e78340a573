using System.CommandLine;
using VolumeAgent.Presentation;

namespace VolumeAgent.Cli;

internal static class VersionCommand
{
    public static Command Create()
    {
        var command = new Command("version", "Print the agent's version.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"volume-agent {AgentInfo.Version}");
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;
using System.Reflection;

namespace VolumeAgent.Cli;

internal static class VersionCommand
{
    public static string AgentVersion =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static Command Create()
    {
        var command = new Command("version", "Print the agent's version.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"volume-agent {AgentVersion}");
            return ExitCodes.Success;
        });
        return command;
    }
}

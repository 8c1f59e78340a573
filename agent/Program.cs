using System.CommandLine;
using VolumeAgent.Cli;

var root = new RootCommand("VolumeAgent: checked, streaming, restorable backups of Docker volumes and databases.");
root.Subcommands.Add(EngineCommand.Create());
root.Subcommands.Add(VersionCommand.Create());
return await root.Parse(args).InvokeAsync();

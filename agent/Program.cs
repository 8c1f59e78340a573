using System.CommandLine;
using System.Runtime.InteropServices;
using VolumeAgent.Cli;

// SIGTERM (docker stop) and SIGINT both cancel the command's token, so a run ends cleanly: helpers
// removed, stopped containers restarted, a manifest written. A second signal is not intercepted.
using var shutdown = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

VolumeAgent.IO.NativeHeap.FixMmapThreshold();

var config = ConfigOption.Create();
var root = new RootCommand("VolumeAgent: checked, streaming, restorable backups of Docker volumes and databases.");
root.Options.Add(config);
root.Subcommands.Add(ValidateCommand.Create(config));
root.Subcommands.Add(RunNowCommand.Create(config));
root.Subcommands.Add(ListCommand.Create(config));
root.Subcommands.Add(PruneCommand.Create(config));
root.Subcommands.Add(SyncCommand.Create(config));
root.Subcommands.Add(StatusCommand.Create(config));
root.Subcommands.Add(DaemonCommand.Create(config));
root.Subcommands.Add(HealthCommand.Create(config));
root.Subcommands.Add(RestoreCommand.Create(config));
root.Subcommands.Add(VerifyCommand.Create(config));
root.Subcommands.Add(EngineCommand.Create(config));
root.Subcommands.Add(VersionCommand.Create());
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, shutdown.Token);

void OnSignal(PosixSignalContext context)
{
    if (!shutdown.IsCancellationRequested)
    {
        context.Cancel = true;
        shutdown.Cancel();
    }
}

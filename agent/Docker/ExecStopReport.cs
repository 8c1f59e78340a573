using VolumeAgent.Docker.Engine;

namespace VolumeAgent.Docker;

/// <summary>How an exec was ended: how many processes it had, how many needed SIGKILL, or that its container had stopped.</summary>
internal sealed record ExecStopReport(int Processes, int Killed, bool ContainerGone)
{
    public override string ToString() => ContainerGone
        ? "its container is no longer running"
        : Processes == 0
            ? "nothing of it was left"
            : Killed == 0
                ? $"{Processes} process(es) ended on SIGTERM"
                : $"{Processes} process(es) ended, {Killed} of them by SIGKILL after ignoring SIGTERM for {ExecStopper.Grace.TotalSeconds:0} s";
}

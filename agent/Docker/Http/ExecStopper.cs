using System.Globalization;
using VolumeAgent.Docker.Models;

namespace VolumeAgent.Docker.Http;

/// <summary>
/// Ends an exec's command and every process it started, and confirms it. Docker has no call that signals an
/// exec, and killing its first process leaves its children running (adopted by the container's init), so a
/// second exec, run as root in the same container, does it with <c>sh</c>, <c>kill</c> and <c>grep</c> on
/// <c>/proc</c>: busybox, Debian slim, Alpine and the PostgreSQL/MariaDB images all have them.
/// </summary>
/// <remarks>
/// The exec's processes are those whose environment holds its marker (children inherit it, also those adopted by
/// init or in a session of their own), its first process, the members of that process's session and process group
/// (runc makes an exec a session leader), and every descendant of any of these. Each is stopped (SIGSTOP) as it is
/// found, so none can start another or die and leave its children unseen, until a pass finds nothing new. Then all
/// get SIGTERM and SIGCONT; those still there after <see cref="Grace"/> (and what they started meanwhile) get
/// SIGKILL. A process counts as left unless it is gone, a zombie, or its pid now belongs to a process started
/// later. What escapes: a process that clears its environment and leaves the exec's session and is orphaned before
/// it is found; one in uninterruptible sleep (state D) is reported as left.
/// </remarks>
internal static class ExecStopper
{
    /// <summary>How long the processes have to end on SIGTERM before SIGKILL.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(2);

    /// <summary>The longest a stop takes: the grace, the kill, and the engine's answers on a loaded host.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    /// <summary>How long the engine may take to report an exec ended once none of its processes is left.</summary>
    private static readonly TimeSpan EngineExitBound = TimeSpan.FromSeconds(5);

    // $1 marker (NAME=value), $2 the command's pid (0: unknown), $3 grace in tenths of a second.
    // The tree is a list of " pid/starttime " entries; /proc/PID/stat after "(comm)" is: state ppid pgrp session ...
    // with the start time as the 20th field. Prints "ended N K" (N processes, K of them killed), or "left PID COMM"
    // lines and exits 3.
    private const string Script = """
        m=$1 root=$2 grace=$3 tree=' ' left='' killed=0
        tick() { if sleep 0.1 2>/dev/null; then n=$((n+1)); else sleep 1; n=$((n+10)); fi; }
        collect() {
          marked=' '
          for f in $(grep -l -s -z -x -F "$m" /proc/[0-9]*/environ); do f=${f%/environ}; marked="$marked${f#/proc/} "; done
          added=1
          for f in /proc/[0-9]*/stat; do
            p=${f%/stat}; p=${p#/proc/}
            case "$tree" in *" $p/"*) continue;; esac
            [ "$p" = 1 ] && continue
            { read -r s < "$f"; } 2>/dev/null || continue
            set -- ${s##*)}
            [ "$1" = Z ] && continue
            case "$marked" in *" $p "*) ;; *)
              case "$tree" in *" $2/"*) ;; *)
                [ "$root" != 0 ] && { [ "$p" = "$root" ] || [ "$3" = "$root" ] || [ "$4" = "$root" ]; } || continue;;
              esac;;
            esac
            kill -STOP "$p" 2>/dev/null || continue
            tree="$tree$p/${20} "; added=0
          done
          return $added
        }
        living() {
          left=''
          for e in $tree; do
            { read -r s < "/proc/${e%/*}/stat"; } 2>/dev/null || continue
            set -- ${s##*)}
            [ "$1" != Z ] && [ "${20}" = "${e#*/}" ] && left="$left ${e%/*}"
          done
          [ -n "$left" ]
        }
        signal() { for p in $left; do kill "-$1" "$p" 2>/dev/null; done; }
        while collect; do :; done
        if living; then
          signal TERM; signal CONT
          n=0; while living && [ $n -lt "$grace" ]; do tick; done
          if living; then
            while collect; do :; done
            living && { set -- $left; killed=$#; signal KILL; signal CONT; }
            n=0; while living && [ $n -lt 30 ]; do tick; done
          fi
        fi
        if living; then
          signal CONT
          for p in $left; do { read -r s < "/proc/$p/stat"; } 2>/dev/null && c=${s#*(} && echo "left $p ${c%)*}"; done
          exit 3
        fi
        set -- $tree
        echo "ended $# $killed"
        """;

    /// <summary>
    /// Ends the processes of exec <paramref name="execId"/> in <paramref name="containerId"/> and waits until the
    /// engine no longer reports it running, within <see cref="Bound"/>. Throws <see cref="ExecStopException"/> when
    /// that cannot be confirmed.
    /// </summary>
    public static async Task<ExecStopReport> StopAsync(
        ExecOperations exec, string containerId, string execId, string program, int? pid, string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exec);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(Bound);
        try
        {
            return await StopCoreAsync(exec, containerId, execId, program, pid, marker, bound.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            using var naming = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var name = await NameAsync(exec, containerId, naming.Token);
            throw new ExecStopException(
                $"'{program}'{PidText(pid)} in container {name} could not be confirmed stopped within {Bound.TotalSeconds:0} s: the engine or the container did not answer in time. "
                + $"Check with docker top {name}.",
                ex);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or IOException or TimeoutException)
        {
            throw new ExecStopException($"'{program}'{PidText(pid)} in container {containerId[..Math.Min(12, containerId.Length)]} could not be stopped: {ex.Message}", ex);
        }
    }

    private static async Task<ExecStopReport> StopCoreAsync(
        ExecOperations exec, string containerId, string execId, string program, int? pid, string marker, CancellationToken cancellationToken)
    {
        var pidText = pid is { } known ? known.ToString(CultureInfo.InvariantCulture) : "0";
        var graceTenths = ((int)(Grace.TotalMilliseconds / 100)).ToString(CultureInfo.InvariantCulture);
        string output;
        long exit;
        string stderr;
        try
        {
            await using var killer = await exec.RunAsync(
                containerId, ["sh", "-c", Script, "sh", marker, pidText, graceTenths], cancellationToken, new ExecStartOptions { User = "0" });
            using (var reader = new StreamReader(killer.Stdout, leaveOpen: true))
            {
                output = await reader.ReadToEndAsync(cancellationToken);
            }

            exit = await killer.WaitForExitAsync(cancellationToken);
            stderr = killer.Stderr.ToString().Trim();
        }
        catch (DockerApiException ex)
        {
            // Null only when the engine says the container does not exist.
            var state = await exec.Containers.TryInspectAsync(containerId, cancellationToken);
            if (state?.State is not { Running: true })
            {
                // A container that is not running runs nothing: the command ended with it.
                return new ExecStopReport(0, 0, ContainerGone: true);
            }

            var name = NameOf(state, containerId);
            throw new ExecStopException(state.State.Paused
                ? $"'{program}'{PidText(pid)} in container {name} could not be stopped: container {name} is paused, so nothing in it can be ended. "
                    + $"It is still there: unpause the container (docker unpause {name}) and end it, or restart the container."
                : $"'{program}'{PidText(pid)} in container {name} could not be stopped: {ex.Message}");
        }

        var report = Parse(output, exit);
        if (report is null)
        {
            var name = await NameAsync(exec, containerId, cancellationToken);
            var left = Left(output);
            throw new ExecStopException(left.Count > 0
                ? $"'{program}' in container {name} could not be stopped: {string.Join(", ", left)} (pids in the container) {(left.Count == 1 ? "is" : "are")} still there after SIGTERM and, "
                    + $"{Grace.TotalSeconds:0} s later, SIGKILL (a process in uninterruptible sleep ends only when its I/O does). See docker top {name}."
                : $"'{program}'{PidText(pid)} in container {name} could not be stopped: the stop command exited with code {exit}"
                    + $"{(stderr.Length > 0 ? ": " + stderr : string.Empty)}. It needs sh, grep and kill in the container.");
        }

        await WaitNotRunningAsync(exec, containerId, execId, program, cancellationToken);
        return report;
    }

    /// <summary>The script's answer: null unless it says every process ended.</summary>
    internal static ExecStopReport? Parse(string output, long exit)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (exit != 0)
        {
            return null;
        }

        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ');
            if (fields is ["ended", var ended, var killed]
                && int.TryParse(ended, NumberStyles.None, CultureInfo.InvariantCulture, out var endedCount)
                && int.TryParse(killed, NumberStyles.None, CultureInfo.InvariantCulture, out var killedCount))
            {
                return new ExecStopReport(endedCount, killedCount, ContainerGone: false);
            }
        }

        return null;
    }

    /// <summary>"pid 12 (sleep)" for each "left" line of the script.</summary>
    internal static IReadOnlyList<string> Left(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 3))
            .Where(fields => fields.Length >= 2 && fields[0] == "left")
            .Select(fields => $"pid {fields[1]}{(fields.Length == 3 ? $" ({fields[2]})" : string.Empty)}")
            .ToList();
    }

    private static async Task WaitNotRunningAsync(ExecOperations exec, string containerId, string execId, string program, CancellationToken cancellationToken)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await exec.InspectAsync(execId, cancellationToken)).Running)
        {
            if (waited.Elapsed > EngineExitBound)
            {
                var name = await NameAsync(exec, containerId, cancellationToken);
                throw new ExecStopException(
                    $"'{program}' in container {name} could not be confirmed stopped: none of its processes is left, but the engine still reports exec {execId[..Math.Min(12, execId.Length)]} running.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>The container's name for a message, else its short id.</summary>
    private static async Task<string> NameAsync(ExecOperations exec, string containerId, CancellationToken cancellationToken)
    {
        try
        {
            return NameOf(await exec.Containers.TryInspectAsync(containerId, cancellationToken), containerId);
        }
        catch (Exception ex) when (ex is DockerApiException or DockerUnavailableException or IOException or OperationCanceledException)
        {
            return NameOf(null, containerId);
        }
    }

    private static string NameOf(ContainerInspect? container, string containerId) =>
        container?.Name?.TrimStart('/') is { Length: > 0 } name ? name : containerId[..Math.Min(12, containerId.Length)];

    private static string PidText(int? pid) => pid is { } known ? $" (pid {known.ToString(CultureInfo.InvariantCulture)} in the container)" : string.Empty;
}

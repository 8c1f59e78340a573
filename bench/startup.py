"""Start-up time of agent commands: each command run N times, the commands alternating, rows for run.sh's TSV.

    python3 startup.py RUNS OUT.tsv VARIANT=COMMAND...

COMMAND is split on spaces (paths without spaces). Every run must exit 0 with its output thrown away; each
row's wall time is one run's, from fork to exit as Python's subprocess sees it (about 1 ms of it is Python's
own spawning, the same for every variant), and its peak RSS that process's (wait4's ru_maxrss).
"""
import os
import subprocess
import sys
import time


def run_once(argv):
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        sys.exit("bench/startup.py: `%s` exited with %d: %s" % (" ".join(argv), process.returncode, stderr.strip()))
    return wall, usage


def main():
    runs, out = int(sys.argv[1]), sys.argv[2]
    variants = [a.split("=", 1) for a in sys.argv[3:]]
    for _, command in variants:
        run_once(command.split())  # once unmeasured: page cache and the engine's first answer
    with open(out, "a") as f:
        for rep in range(1, runs + 1):
            # Alternating, and every other round in reverse, so no variant always follows the same one.
            for name, command in (variants if rep % 2 else list(reversed(variants))):
                wall, usage = run_once(command.split())
                f.write("%s\t%d\t%.4f\t0\t0\t%d\t%.3f\t%.3f\t0\t0\n"
                        % (name, rep, wall, usage.ru_maxrss, usage.ru_utime, usage.ru_stime))


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The project's test command:  bash tests/run.sh [dotnet test arguments, e.g. --filter ...]
#
# 1. checks that a Docker engine answers (the integration tests drive a real one),
# 2. builds the test images that are missing (tests/images/build.sh; seconds when they exist),
# 3. runs `dotnet test VolumeAgent.sln -c Release`, one line per test on the console and a TRX
#    file per test project in .artifacts/test-results/,
# 4. prints "N passed, N failed, N skipped" summed over those TRX files, on a line of its own.
# The exit code is dotnet test's.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly RESULTS_DIR="$PWD/.artifacts/test-results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The integration tests' engine client (Docker.DotNet.Enhanced) and Testcontainers, offline on engine 20.10
# (README.md, "Tests"): pin the API the engine speaks (the library does not
# negotiate and would ask for a newer one); no Ryuk, whose image cannot be pulled here (the fixtures' label
# sweep removes what a crashed run left); and reach published ports on 127.0.0.1 even inside a container.
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"

log() { printf '[tests %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

engine_help() {
  cat >&2 <<'EOF'
The tests need a running Docker engine (socket /var/run/docker.sock or $DOCKER_HOST).
  Start one:   setsid dockerd >/tmp/dockerd.log 2>&1 &
  Install one: apt-get install -y docker.io docker-compose
  Or run everything the way CI does (installs and starts what is missing):  bash .ci/run
EOF
}

if ! command -v docker >/dev/null 2>&1; then
  echo "tests/run.sh: the docker client is not installed." >&2
  engine_help
  exit 1
fi
if ! docker_info="$(timeout 15 docker info --format '{{.ServerVersion}}' 2>&1)"; then
  echo "tests/run.sh: the Docker engine does not answer (docker info: ${docker_info##*$'\n'})." >&2
  engine_help
  exit 1
fi
log "Docker engine $docker_info answers"

started="$(now)"
bash tests/images/build.sh
log "test images ready in $(elapsed "$started")"

# Summed counters of every TRX file: passed, failed (failed, error, timeout, aborted) and
# skipped (total - executed: xunit's skipped tests are listed but not executed).
trx_summary() {
  local files=()
  shopt -s nullglob
  files=("$RESULTS_DIR"/*.trx)
  shopt -u nullglob
  if [ ${#files[@]} -eq 0 ]; then
    echo "(no TRX files in $RESULTS_DIR)" >&2
    echo "0 passed, 0 failed, 0 skipped"
    return 0
  fi
  grep -ho '<Counters [^>]*>' "${files[@]}" | awk '
    function attr(s, name) {
      if (match(s, " " name "=\"[0-9]+\"")) {
        return substr(s, RSTART + length(name) + 3, RLENGTH - length(name) - 4) + 0
      }
      return 0
    }
    {
      passed += attr($0, "passed")
      failed += attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
      skipped += attr($0, "total") - attr($0, "executed")
    }
    END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }'
}

# Every failed test again, after the summary, with its message and the top of its stack trace,
# so that the last lines of a long log say what failed without opening the TRX files.
trx_failures() {
  local files=()
  shopt -s nullglob
  files=("$RESULTS_DIR"/*.trx)
  shopt -u nullglob
  [ ${#files[@]} -eq 0 ] && return 0
  if command -v python3 >/dev/null 2>&1; then
    python3 - "${files[@]}" <<'PY'
import sys
import xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", ns):
        if result.get("outcome") in ("Passed", "NotExecuted"):
            continue
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        message = result.findtext(".//t:ErrorInfo/t:Message", "", ns).strip()
        stack = result.findtext(".//t:ErrorInfo/t:StackTrace", "", ns).strip()
        for line in message.splitlines()[:40]:
            print("  " + line)
        for line in stack.splitlines()[:15]:
            print("  " + line)
PY
  else
    grep -ho '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "${files[@]}" \
      | sed -E 's/.*testName="([^"]*)".*/FAILED \1/'
  fi
}

rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
log "dotnet test VolumeAgent.sln -c Release $*"
started="$(now)"
set +e
dotnet test VolumeAgent.sln -c Release \
  --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$RESULTS_DIR" "$@"
status=$?
set -e
log "dotnet test exited with $status after $(elapsed "$started"); TRX files in ${RESULTS_DIR#"$PWD"/}"

trx_summary
trx_failures
exit "$status"

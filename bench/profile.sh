#!/usr/bin/env bash
# Where the time goes: system-wide CPU profiles (perf, software clock) of one run of each given variant.
#
#   bash bench/profile.sh [VARIANT...]     # VARIANTs: archive-api agent-none agent-gzip agent-zstd agent-pg
#                                          # (default: archive-api agent-none agent-zstd)
#
# Builds the same 1 GiB mixed volume as run.sh (and, for agent-pg, the same database), runs each variant
# once under `perf record -a -e cpu-clock`, and prints CPU seconds per process name (dockerd, containerd-shim,
# curl, the agent's threads, other work on the machine) and the agent's hottest functions (.NET JIT frames
# through DOTNET_PerfMapEnabled). Environment: VOLUME_AGENT_DLL as for run.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly REPO="$PWD" BENCH="$PWD/bench"
readonly HELPER_IMAGE="${BENCH_HELPER_IMAGE:-volume-agent-test/helper:busybox}"
readonly PG_IMAGE="${BENCH_PG_IMAGE:-volume-agent-test/postgres:15}"
readonly PG_ROWS="${BENCH_PG_ROWS:-2000000}"
readonly LABEL="io.volume-agent.bench=1"
variants=("$@")
((${#variants[@]})) || variants=(archive-api agent-none agent-zstd)
command -v perf >/dev/null || { echo "bench/profile.sh: perf is missing (apt-get install -y linux-perf)" >&2; exit 1; }

readonly WORK="/var/tmp/va-profile-$$" VOL="va-profile-mixed-$$" PG="va-profile-pg-$$"
mkdir -p "$WORK/store" "$WORK/state"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  docker rm -fv "$PG" >/dev/null 2>&1 || true
  local ids; ids="$(docker ps -aq --filter "label=$LABEL")"
  [[ -n "$ids" ]] && docker rm -fv $ids >/dev/null 2>&1 || true
  docker volume rm -f "$VOL" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "${VOLUME_AGENT_DLL:-}" ]]; then
  DLL="$VOLUME_AGENT_DLL"
else
  dotnet build "$REPO/agent/VolumeAgent.csproj" -c Release -o "$WORK/agent" -nologo -v q >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; exit 1; }
  DLL="$WORK/agent/volume-agent.dll"
fi

# The agent runs with the runtime settings of its image (Dockerfile ENV).
# The GC settings the native binary has built in (agent/VolumeAgent.csproj), for the JIT build profiled here.
gc_setting() { sed -n "s/.*<$1>\([0-9a-f]*\)<.*/\1/p" "$REPO/agent/VolumeAgent.csproj"; }
readonly AGENT_GC_ENV=("DOTNET_GCgen0size=$(gc_setting AgentGcGen0Size)" "DOTNET_GCRegionSize=$(gc_setting AgentGcRegionSize)")

docker volume create --label "$LABEL" "$VOL" >/dev/null
python3 "$BENCH/gen.py" "$(docker volume inspect -f '{{.Mountpoint}}' "$VOL")" 1
if [[ " ${variants[*]} " == *" agent-pg "* ]]; then
  docker run -d --name "$PG" --label "$LABEL" -e POSTGRES_PASSWORD=bench "$PG_IMAGE" >/dev/null
  until [[ "$(docker inspect -f '{{.State.Health.Status}}' "$PG")" == healthy ]]; do sleep 1; done
  docker exec "$PG" psql -q -U postgres -c "CREATE DATABASE bench" >/dev/null
  docker exec "$PG" psql -q -v ON_ERROR_STOP=1 -U postgres -d bench -c "SET synchronous_commit = off;
    CREATE TABLE events AS SELECT g AS id, now() - g * interval '1 second' AS at, md5(g::text) AS key,
      repeat(md5((g * 7)::text), 8) AS body FROM generate_series(1, $PG_ROWS) g;" >/dev/null
fi

config() { # compression source-yaml
  cat >"$WORK/cfg.yml" <<EOF
helper_image: $HELPER_IMAGE
state_dir: $WORK/state
storage:
  local: { type: local, path: $WORK/store }
jobs:
  p:
    compression: $1
    sources:
$2
EOF
}

for variant in "${variants[@]}"; do
  case "$variant" in
    archive-api) reader="$(docker create --label "$LABEL" --network none -v "$VOL:/data:ro" "$HELPER_IMAGE" true)"
      cmd=(curl -sf --unix-socket /var/run/docker.sock -o /dev/null "http://localhost/containers/$reader/archive?path=/data/.") ;;
    agent-none|agent-gzip|agent-zstd) config "${variant#agent-}" "      - volume: $VOL"; cmd=(dotnet "$DLL" run-now --no-daemon -c "$WORK/cfg.yml" p) ;;
    agent-pg) config none "      - postgres: $PG
        databases: [bench]
        user: postgres
        password: bench"; cmd=(dotnet "$DLL" run-now --no-daemon -c "$WORK/cfg.yml" p) ;;
    *) echo "bench/profile.sh: unknown variant $variant" >&2; exit 2 ;;
  esac
  rm -rf "$WORK/store"/*
  perf record -a -e cpu-clock -F 499 -o "$WORK/perf.data" -q -- sleep 100000 2>/dev/null &
  perf_pid=$!
  sleep 1
  t0="$(date +%s.%N)"
  env DOTNET_PerfMapEnabled=1 "${AGENT_GC_ENV[@]}" "${cmd[@]}" >"$WORK/out.txt" 2>&1 &
  pid=$!
  wait "$pid"
  t1="$(date +%s.%N)"
  kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
  echo "## $variant: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s wall, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "CPU seconds by process name (499 samples/s per core, whole machine, including others' work):"
  echo '```'
  { perf report -i "$WORK/perf.data" --sort comm --stdio -F overhead,sample,comm 2>/dev/null || true; } | grep -v '^#' | grep -v '^$' \
    | awk '{ printf "%8.2f s  %7s  %s\n", $2 / 499, $1, substr($0, index($0, $3)) }' | sort -rn | head -15 || true
  echo '```'
  if [[ "$variant" == agent-* ]]; then
    echo
    echo "The agent's CPU seconds by library (process $pid, all its threads):"
    echo '```'
    { perf report -i "$WORK/perf.data" --pid "$pid" --sort dso --stdio -F overhead,sample,dso 2>/dev/null || true; } \
      | grep -v '^#' | grep -v '^$' | awk '{ printf "%8.2f s  %s\n", $2 / 499, $3 }' | sort -rn | head -12 || true
    echo '```'
    echo
    echo "Its hottest managed and runtime functions (libcrypto, unsymbolised, left out):"
    echo '```'
    { perf report -i "$WORK/perf.data" --pid "$pid" --sort sym --stdio -F overhead,sample,sym 2>/dev/null || true; } \
      | grep -v '^#' | grep -v '^$' | grep -v ' 0x0000' | awk '{ printf "%8.2f s  %s\n", $2 / 499, substr($0, index($0, $4)) }' \
      | sort -rn | head -25 || true
    echo '```'
  fi
  rm -f "/tmp/perf-$pid.map" "/tmp/perfinfo-$pid.map"
  echo
done

#!/usr/bin/env bash
# VolumeAgent against the alternatives, on the local Docker engine.
#
#   bash bench/run.sh [--quick] [--reps N] [--big] [--no-pg] [--no-aot] [--no-s3] [--restic | --restic-only] [--baseline REV [--native]]
#
#   --quick   one repetition (for development); the default is 3
#   --reps N  N repetitions; each reported figure is the median
#   --big     also a 4 GiB mixed volume, backed up by the agent (gzip) for its peak RSS
#   --no-pg   skip the PostgreSQL comparison (saves building a ~600 MB database)
#   --no-aot  skip the native (NativeAOT) binary's rows and the start-up rows (saves its publish, minutes)
#   --no-s3   skip the S3 rows (agent-gzip-s3 and its -aot; they need s3rver, see below)
#   --restic  also the restic rows, once after the repetitions (see bench/restic.sh)
#   --restic-only  the restic rows alone: no repetitions, no PostgreSQL, native or S3 rows
#   --baseline REV   A/B mode: builds the agent also at git revision REV (a worktree in .artifacts/) and runs
#             only archive-api, agent-none, agent-gzip and agent-pg, old and new binaries alternating (the
#             first of each pair swaps every repetition); prints each row's new/old ratio and both peak RSS.
#             archive-api has no agent: it runs once in each slot, and its ratio is the run's own noise.
#   --native  with --baseline: both binaries are NativeAOT publishes (what the image ships) instead of JIT builds,
#             so the comparison carries no JIT compilation of either side's code.
#
# Environment: VOLUME_AGENT_DLL=path/to/volume-agent.dll skips the Release build of agent/;
# VOLUME_AGENT_AOT=path/to/volume-agent (a NativeAOT publish) skips the AOT publish; with --baseline REV --native,
# VOLUME_AGENT_OLD_AOT=path skips the publish of REV (a NativeAOT publish of that revision made beforehand).
# BENCH_PG_ROWS (default 2000000, about 600 MB of dump) sizes the database.
# S3RVER=path/to/node_modules/.bin/s3rver (default /opt/volume-agent-ci/s3rver/..., where .ci/run installs
# s3rver 3.7.1); BENCH_S3_PART_MIB (default 16) and BENCH_S3_PARTS_IN_FLIGHT (default 2) set the S3 storage's
# part_size and parts_in_flight.
#
# Creates (all labelled io.volume-agent.bench=1 and with the run's own label, all removed at exit, also on failure or Ctrl-C):
# a 1 GiB mixed volume (text-like, random, 20,000 small files), 20 tiny volumes, a PostgreSQL container.
# Per repetition, in round-robin order, it times the seed approach (busybox `tar czf` in a helper on
# stdout), host `tar | pigz` and `tar | zstd` over the volume's directory (the hardware reference), the
# agent with gzip, zstd and none, the gzip job to an S3 storage (s3rver started by the bench on 127.0.0.1,
# its data under the run's directory; JIT and native) and the gzip job encrypted with age (a key pair made for
# the run), the engine's archive API alone (curl to /dev/null), `docker exec pg_dump -Fc -Z0 > /dev/null` against the agent's
# postgres source, and agent jobs of 1 and 20 tiny volumes; the native binary's gzip, zstd and tiny-volume
# rows (*-aot) beside them. Once per run, the start-up of `volume-agent version` and of `volume-agent status`
# against a running daemon, JIT and native, 20 alternating runs each (startup-*). Prints Markdown tables;
# writes JSON to bench/results/<timestamp>.json.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly REPO="$PWD"
readonly BENCH="$REPO/bench"
readonly HELPER_IMAGE="${BENCH_HELPER_IMAGE:-volume-agent-test/helper:busybox}"
readonly PG_IMAGE="${BENCH_PG_IMAGE:-volume-agent-test/postgres:15}"
readonly PG_ROWS="${BENCH_PG_ROWS:-2000000}"
readonly LABEL="io.volume-agent.bench=1"
# This run's objects alone: two runs at once must not remove each other's.
readonly RUN_LABEL="io.volume-agent.bench.run=$$"
readonly CORES="$(nproc)"

reps=3 big=0 pg=1 aot=1 s3=1 restic=0 restic_only=0 baseline="" ab_native=0
while (($#)); do
  case "$1" in
    --quick) reps=1 ;;
    --reps) reps="$2"; shift ;;
    --big) big=1 ;;
    --no-pg) pg=0 ;;
    --no-aot) aot=0 ;;
    --no-s3) s3=0 ;;
    --restic) restic=1 ;;
    --restic-only) restic=1 reps=0 pg=0 aot=0 s3=0 restic_only=1 ;;
    --baseline) baseline="$2"; shift ;;
    --native) ab_native=1 ;;
    -h|--help) sed -n '2,38p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
# The A/B mode runs no off-site row: it needs no s3rver.
[[ -z "$baseline" ]] || s3=0
((!ab_native)) || [[ -n "$baseline" ]] || { echo "bench/run.sh: --native compares two native binaries: give --baseline REV" >&2; exit 2; }

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }

for tool in docker python3 pigz zstd tar curl /usr/bin/time dotnet age-keygen; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing (apt-get install -y ${tool##*/})" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "bench/run.sh: the Docker engine does not answer" >&2; exit 1; }
for image in "$HELPER_IMAGE" "$PG_IMAGE"; do
  docker image inspect "$image" >/dev/null 2>&1 || { echo "bench/run.sh: image $image is missing (bash tests/images/build.sh)" >&2; exit 1; }
done

readonly ID="$(date -u +%Y%m%dT%H%M%SZ)-$$"
# Not under /tmp: /tmp is watched for the agent's temporary files.
readonly WORK="/var/tmp/va-bench-$ID"
mkdir -p "$WORK"
readonly VOL="va-bench-mixed-$$"
readonly BIGVOL="va-bench-big-$$"
readonly PG="va-bench-pg-$$"
sampler_pid=""
daemon_pid=""
s3rver_pid=""
baseline_tree=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  [[ -n "$daemon_pid" ]] && { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null; } || true
  stop_s3rver
  log "cleaning up"
  [[ -n "$baseline_tree" ]] && git -C "$REPO" worktree remove --force "$baseline_tree" 2>/dev/null || true
  local ids
  ids="$(docker ps -aq --filter "label=$RUN_LABEL")"
  [[ -n "$ids" ]] && docker rm -fv $ids >/dev/null 2>&1 || true
  ids="$(docker volume ls -q --filter "label=$RUN_LABEL")"
  [[ -n "$ids" ]] && docker volume rm -f $ids >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the agent
# shellcheck source=bench/agents.sh
source "$BENCH/agents.sh"
# shellcheck source=bench/s3.sh
source "$BENCH/s3.sh"
# shellcheck source=bench/restic.sh
source "$BENCH/restic.sh"
((s3)) && find_s3rver >/dev/null
if [[ -n "${VOLUME_AGENT_DLL:-}" ]]; then
  DLL="$VOLUME_AGENT_DLL"
else
  DLL="$(build_jit "$REPO" "$WORK/agent")"
fi
AOT_BIN="" AOT_PUBLISH_S="" OLD_DLL="" OLD_AOT="" OLD_REV=""
if [[ -n "$baseline" ]]; then
  OLD_REV="$(git -C "$REPO" rev-parse --verify "$baseline^{commit}")" || { echo "bench/run.sh: no git revision $baseline" >&2; exit 2; }
  baseline_tree="$REPO/.artifacts/bench-baseline-${OLD_REV:0:12}-$$"
  log "baseline: a worktree of ${OLD_REV:0:12} in ${baseline_tree#"$REPO"/}"
  git -C "$REPO" worktree add --detach --quiet "$baseline_tree" "$OLD_REV"
  if ((ab_native)); then
    OLD_AOT="${VOLUME_AGENT_OLD_AOT:-$(publish_aot "$baseline_tree" "$WORK/aot-old")}"
    AOT_BIN="${VOLUME_AGENT_AOT:-$(publish_aot "$REPO" "$WORK/aot")}"
  else
    OLD_DLL="$(build_jit "$baseline_tree" "$WORK/agent-old")"
  fi
  aot=0
elif ((aot)); then
  if [[ -n "${VOLUME_AGENT_AOT:-}" ]]; then
    AOT_BIN="$VOLUME_AGENT_AOT"
  else
    t0="$(now)"
    AOT_BIN="$(publish_aot "$REPO" "$WORK/aot")"
    AOT_PUBLISH_S="$(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.0f", b-a}')"
  fi
fi
# The restic rows run the native binary, as the image does; with --restic-only, it is published for them alone.
if ((restic)) && [[ -z "$AOT_BIN" ]]; then
  AOT_BIN="${VOLUME_AGENT_AOT:-$(publish_aot "$REPO" "$WORK/aot")}"
fi

# The GC settings the native binary has built in (agent/VolumeAgent.csproj), given to JIT builds through their
# environment so both run alike; a native binary (this tree's, or a baseline's) runs as it was built.
gc_setting() { sed -n "s/.*<$1>\([0-9a-f]*\)<.*/\1/p" "$REPO/agent/VolumeAgent.csproj"; }
gen0="$(gc_setting AgentGcGen0Size)" region="$(gc_setting AgentGcRegionSize)"
[[ -n "$gen0" && -n "$region" ]] || { echo "bench/run.sh: AgentGcGen0Size or AgentGcRegionSize not found in agent/VolumeAgent.csproj" >&2; exit 1; }
readonly AGENT_GC_ENV=("DOTNET_GCgen0size=$gen0" "DOTNET_GCRegionSize=$region")

# ---------------------------------------------------------------- data
mountpoint() { docker volume inspect -f '{{.Mountpoint}}' "$1"; }

make_mixed() { # volume scale
  docker volume create --label "$LABEL" --label "$RUN_LABEL" "$1" >/dev/null
  local mp; mp="$(mountpoint "$1")"
  local t0; t0="$(now)"
  python3 "$BENCH/gen.py" "$mp" "$2"
  sync
  log "volume $1: $(du -sh "$mp" | cut -f1), $(find "$mp" -type f | wc -l) files, made in $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.0f", b-a}') s"
}

if ((restic_only)) && [[ "${BENCH_RESTIC_SMALL:-0}" == 1 ]]; then
  log "the restic rows alone, on their small volume: no 1 GiB volume"
  readonly MP="" RAW=0
else
  log "creating the 1 GiB mixed volume"
  make_mixed "$VOL" 1
  readonly MP="$(mountpoint "$VOL")"
  readonly RAW="$(tar -cf - -C "$MP" . | wc -c)"
fi

log "creating 20 tiny volumes"
tiny=()
for i in $(seq -w 1 20); do
  v="va-bench-tiny$i-$$"
  docker volume create --label "$LABEL" --label "$RUN_LABEL" "$v" >/dev/null
  tmp="$(mountpoint "$v")"
  printf 'tiny volume %s\n' "$i" >"$tmp/hello.txt"
  head -c 4096 /dev/urandom >"$tmp/data.bin"
  tiny+=("$v")
done
readonly TINY_RAW="$(tar -cf - -C "$(mountpoint "${tiny[0]}")" . | wc -c)"

if ((big)); then
  log "creating the 4 GiB mixed volume"
  make_mixed "$BIGVOL" 4
  readonly BIG_RAW="$(tar -cf - -C "$(mountpoint "$BIGVOL")" . | wc -c)"
fi

PG_RAW=0
if ((pg)); then
  log "starting PostgreSQL and filling it with $PG_ROWS rows"
  docker run -d --name "$PG" --label "$LABEL" --label "$RUN_LABEL" -e POSTGRES_PASSWORD=bench "$PG_IMAGE" >/dev/null
  for _ in $(seq 1 120); do
    [[ "$(docker inspect -f '{{.State.Health.Status}}' "$PG")" == healthy ]] && break
    sleep 1
  done
  [[ "$(docker inspect -f '{{.State.Health.Status}}' "$PG")" == healthy ]] || { echo "bench/run.sh: PostgreSQL did not become healthy" >&2; exit 1; }
  t0="$(now)"
  docker exec "$PG" psql -q -v ON_ERROR_STOP=1 -U postgres -c "CREATE DATABASE bench" >/dev/null
  # repeat(md5) rows stay under the TOAST threshold: stored and dumped uncompressed, like row data.
  docker exec "$PG" psql -q -v ON_ERROR_STOP=1 -U postgres -d bench -c "SET synchronous_commit = off;
    CREATE TABLE events AS SELECT g AS id, now() - g * interval '1 second' AS at, md5(g::text) AS key,
      repeat(md5((g * 7)::text), 8) AS body FROM generate_series(1, $PG_ROWS) g;" >/dev/null
  docker exec "$PG" psql -q -U postgres -c CHECKPOINT >/dev/null
  PG_RAW="$(docker exec "$PG" pg_dump -U postgres -Fc -Z0 bench | wc -c)"
  log "database bench: dump $((PG_RAW / 1000000)) MB, made in $(awk -v a="$t0" -v b="$(now)" 'BEGIN{printf "%.0f", b-a}') s"
fi

# ---------------------------------------------------------------- configurations
readonly STORE="$WORK/store" STATE="$WORK/state" AGENT_TMP="$WORK/agent-tmp"
mkdir -p "$STORE" "$STATE" "$AGENT_TMP"
write_config() { # file job compression sources-yaml
  cat >"$1" <<EOF
helper_image: $HELPER_IMAGE
state_dir: $STATE
storage:
  local: { type: local, path: $STORE }
jobs:
  $2:
    compression: $3
    sources:
$4
EOF
}
write_config "$WORK/gzip.yml" agent-gzip gzip "      - volume: $VOL"
write_config "$WORK/zstd.yml" agent-zstd zstd "      - volume: $VOL"
write_config "$WORK/none.yml" agent-none none "      - volume: $VOL"
write_config "$WORK/tiny1.yml" tiny-1 none "      - volume: ${tiny[0]}"
write_config "$WORK/tiny20.yml" tiny-20 none "$(for v in "${tiny[@]}"; do echo "      - volume: $v"; done)"
((big)) && write_config "$WORK/big.yml" agent-gzip-4g gzip "      - volume: $BIGVOL"
# The gzip job encrypted to an age recipient: the agent holds the public key only.
readonly AGE_RECIPIENT="$(make_age_recipient "$WORK/age-identity.txt")"
cat >"$WORK/age.yml" <<EOF
helper_image: $HELPER_IMAGE
state_dir: $STATE
storage:
  local: { type: local, path: $STORE }
jobs:
  agent-gzip-age:
    compression: gzip
    encryption:
      recipients: [$AGE_RECIPIENT]
    sources:
      - volume: $VOL
EOF
readonly S3_PART_MIB="${BENCH_S3_PART_MIB:-16}" S3_PARTS_IN_FLIGHT="${BENCH_S3_PARTS_IN_FLIGHT:-2}"
S3_DATA="$WORK/no-s3"
if ((s3)); then
  start_s3rver "$WORK/s3"
  # The gzip job with the S3 storage as its only one.
  cat >"$WORK/s3.yml" <<EOF
helper_image: $HELPER_IMAGE
state_dir: $STATE
storage:
  s3:
    type: s3
    endpoint: $S3_ENDPOINT
    bucket: $S3_BUCKET
    path_style: true
    access_key_file: $WORK/s3/access_key
    secret_key_file: $WORK/s3/secret_key
    part_size: $S3_PART_MIB
    parts_in_flight: $S3_PARTS_IN_FLIGHT
jobs:
  agent-gzip-s3:
    compression: gzip
    sources:
      - volume: $VOL
EOF
fi
((pg)) && write_config "$WORK/pg.yml" agent-pg none "      - postgres: $PG
        databases: [bench]
        user: postgres
        password: bench"

# ---------------------------------------------------------------- measuring
readonly RESULTS_TSV="$WORK/results.tsv"
printf 'variant\trep\twall_s\traw_bytes\tartifact_bytes\trss_kb\tcpu_user_s\tcpu_sys_s\ttemp_bytes\tengine_cpu_s\n' >"$RESULTS_TSV"

record() { # variant rep wall raw artifact rss user sys temp engine-cpu
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS_TSV"
  log "$(printf '%-16s rep %s: %6.2f s  artifact %s bytes  rss %s KiB  temp %s  engine %s CPU-s' "$1" "$2" "$3" "$5" "$6" "$9" "${10}")"
}

# CPU seconds (user + system) used so far by the engine's processes: dockerd with the children it has
# reaped (the re-executed `exe` that writes an archive API tar), containerd, and the containerd-shims
# alive now (a shim that ends during a run takes its share with it).
readonly CLK_TCK="$(getconf CLK_TCK)"
engine_cpu() {
  local total=0 pid comm stat
  for pid in $(pgrep -x 'dockerd|containerd|containerd-shim|containerd-shim-runc-v2' || true); do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    comm="${stat#*) }"
    # Fields after the command: state is field 3; utime, stime, cutime, cstime are 14-17 of the whole line.
    read -r -a f <<<"$comm"
    total=$((total + f[11] + f[12] + f[13] + f[14]))
  done
  echo "$total"
}
engine_delta() { awk -v a="$1" -v b="$(engine_cpu)" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / t }'; }

timefield() { # file label
  awk -F': ' -v k="$2" '$1 ~ "^[ \t]*" k "$" { print $2 }' "$1"
}

# Samples every 0.2 s: bytes of files in the storage that are not the artifacts being written
# (.<name>.partial) or the finished set, plus everything in the agent's TMPDIR and state_dir.
sample_temp() { # out-file
  set +e
  while :; do
    local other
    other="$(find "$STORE" -type f ! -name '*.partial' ! -name manifest.json ! -name SHA256SUMS \
      ! -name '*.tar' ! -name '*.tar.gz' ! -name '*.tar.zst' ! -name '*.dump' ! -name '*.sql' ! -name '*.sql.*' \
      ! -name '*.dump.*' ! -name '*.age' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')"
    local tmpb statb
    tmpb="$(du -sb "$AGENT_TMP" 2>/dev/null | cut -f1)"
    statb="$(find "$STATE" -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')"
    echo $((other + tmpb - 4096 + statb)) >>"$1"
    sleep 0.2
  done
}

# The bytes of a finished set's artifacts in a storage directory (local, or s3rver's bucket directory, where
# each object is a file KEY._S3rver_object): all but manifest.json, SHA256SUMS, latest and .partial markers.
artifact_bytes() { # dir
  find "$1" -type f ! -name manifest.json ! -name SHA256SUMS ! -name '*.partial' \
    \( -path "$S3_DATA/*" -name '*._S3rver_object' ! -name 'manifest.json._S3rver_object' \
       ! -name 'SHA256SUMS._S3rver_object' ! -name 'latest._S3rver_object' ! -name '*.partial._S3rver_object' \
       -o ! -path "$S3_DATA/*" \) -printf '%s\n' | awk '{s+=$1} END {print s+0}'
}

run_agent() { # variant rep config job raw [jit|aot|old|old-aot] [store-dir]
  local variant="$1" rep="$2" cfg="$3" job="$4" raw="$5" kind="${6:-jit}" store="${7:-$STORE}"
  local agent=(env "${AGENT_GC_ENV[@]}" dotnet "$DLL")
  case "$kind" in
    aot) agent=("$AOT_BIN") ;;
    old) agent=(env "${AGENT_GC_ENV[@]}" dotnet "$OLD_DLL") ;;
    old-aot) agent=("$OLD_AOT") ;;
  esac
  rm -rf "${STORE:?}"/* "${store:?}"/*
  local samples="$WORK/samples" tv="$WORK/time.txt"
  : >"$samples"
  sample_temp "$samples" &
  sampler_pid=$!
  local t0 t1 e0 rc=0
  e0="$(engine_cpu)"
  t0="$(now)"
  TMPDIR="$AGENT_TMP" /usr/bin/time -v -o "$tv" "${agent[@]}" run-now --no-daemon -c "$cfg" "$job" >"$WORK/agent.out" 2>&1 || rc=$?
  t1="$(now)"
  kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  if ((rc != 0)); then
    echo "bench/run.sh: the agent failed ($variant, exit $rc):" >&2
    cat "$WORK/agent.out" >&2
    exit 1
  fi
  local artifact
  artifact="$(artifact_bytes "$store")"
  local temp; temp="$(sort -n "$samples" | tail -1)"
  record "$variant" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')" "$raw" "$artifact" \
    "$(timefield "$tv" 'Maximum resident set size \\(kbytes\\)')" "$(timefield "$tv" 'User time \\(seconds\\)')" \
    "$(timefield "$tv" 'System time \\(seconds\\)')" "${temp:-0}" "$(engine_delta "$e0")"
}

run_shell() { # variant rep raw output-file command...
  local variant="$1" rep="$2" raw="$3" out="$4"; shift 4
  local t0 t1 e0 tv="$WORK/time.txt"
  rm -f "$WORK"/out.*
  e0="$(engine_cpu)"
  t0="$(now)"
  /usr/bin/time -v -o "$tv" bash -c "$*"
  t1="$(now)"
  local artifact=0
  [[ "$out" != /dev/null ]] && artifact="$(stat -c %s "$out")"
  record "$variant" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')" "$raw" "$artifact" \
    "$(timefield "$tv" 'Maximum resident set size \\(kbytes\\)')" "$(timefield "$tv" 'User time \\(seconds\\)')" \
    "$(timefield "$tv" 'System time \\(seconds\\)')" 0 "$(engine_delta "$e0")"
}

tmp_before="$(du -sb /tmp 2>/dev/null | cut -f1 || true)"
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
log "load average at start: $load_start; $reps repetition(s)"

# Warm the page cache once so no variant pays for the first read.
[[ -z "$MP" ]] || tar -cf - -C "$MP" . >/dev/null

archive_api() { # variant rep
  local reader
  reader="$(docker create --label "$LABEL" --label "$RUN_LABEL" --network none -v "$VOL:/data:ro" "$HELPER_IMAGE" true)"
  run_shell "$1" "$2" "$RAW" /dev/null \
    "curl -sf --unix-socket /var/run/docker.sock 'http://localhost/containers/$reader/archive?path=/data/.' > /dev/null"
  docker rm -f "$reader" >/dev/null
}

round() { # rep
  local rep="$1"
  run_shell seed "$rep" "$RAW" "$WORK/out.seed.tar.gz" \
    "docker run --rm --label $LABEL --label $RUN_LABEL -v $VOL:/data:ro $HELPER_IMAGE tar czf - -C /data . > $WORK/out.seed.tar.gz"
  run_shell host-pigz "$rep" "$RAW" "$WORK/out.pigz.tar.gz" \
    "tar -cf - -C $MP . | pigz -p $CORES -6 > $WORK/out.pigz.tar.gz"
  run_shell host-zstd "$rep" "$RAW" "$WORK/out.zstd.tar.zst" \
    "tar -cf - -C $MP . | zstd -q -T0 -3 > $WORK/out.zstd.tar.zst"
  run_agent agent-gzip "$rep" "$WORK/gzip.yml" agent-gzip "$RAW"
  # Off-site rows next to their reference (agent-gzip), so the same load weighs on all three.
  ((s3)) && run_agent agent-gzip-s3 "$rep" "$WORK/s3.yml" agent-gzip-s3 "$RAW" jit "$S3_DATA"
  run_agent agent-gzip-age "$rep" "$WORK/age.yml" agent-gzip-age "$RAW"
  ((aot)) && run_agent agent-gzip-aot "$rep" "$WORK/gzip.yml" agent-gzip "$RAW" aot
  ((s3 && aot)) && run_agent agent-gzip-s3-aot "$rep" "$WORK/s3.yml" agent-gzip-s3 "$RAW" aot "$S3_DATA"
  run_agent agent-zstd "$rep" "$WORK/zstd.yml" agent-zstd "$RAW"
  ((aot)) && run_agent agent-zstd-aot "$rep" "$WORK/zstd.yml" agent-zstd "$RAW" aot
  run_agent agent-none "$rep" "$WORK/none.yml" agent-none "$RAW"
  # Diagnostics: the engine's archive API alone (what the agent reads), and host tar alone.
  archive_api archive-api "$rep"
  run_shell host-tar "$rep" "$RAW" /dev/null "tar -cf - -C $MP . | cat > /dev/null"
  if ((pg)); then
    run_shell pg-exec "$rep" "$PG_RAW" /dev/null "docker exec $PG pg_dump -U postgres -Fc -Z0 bench > /dev/null"
    run_agent agent-pg "$rep" "$WORK/pg.yml" agent-pg "$PG_RAW"
  fi
  run_agent tiny-1 "$rep" "$WORK/tiny1.yml" tiny-1 "$TINY_RAW"
  run_agent tiny-20 "$rep" "$WORK/tiny20.yml" tiny-20 "$((TINY_RAW * 20))"
  if ((aot)); then
    run_agent tiny-1-aot "$rep" "$WORK/tiny1.yml" tiny-1 "$TINY_RAW" aot
    run_agent tiny-20-aot "$rep" "$WORK/tiny20.yml" tiny-20 "$((TINY_RAW * 20))" aot
  fi
  ((big)) && run_agent agent-gzip-4g "$rep" "$WORK/big.yml" agent-gzip-4g "$BIG_RAW"
  return 0
}

ab_pair() { # rep variant config job raw: the old and the new binary, the first of the pair swapping each rep
  local order=(old new)
  (($1 % 2)) || order=(new old)
  local kind
  for kind in "${order[@]}"; do
    if [[ "$2" == archive-api ]]; then
      archive_api "archive-api.$kind" "$1"
    else
      local binary
      case "$kind.$ab_native" in
        new.0) binary=jit ;; old.0) binary=old ;; new.1) binary=aot ;; old.1) binary=old-aot ;;
      esac
      run_agent "$2.$kind" "$1" "$3" "$4" "$5" "$binary"
    fi
  done
}

ab_round() { # rep
  ab_pair "$1" archive-api
  ab_pair "$1" agent-none "$WORK/none.yml" agent-none "$RAW"
  ab_pair "$1" agent-gzip "$WORK/gzip.yml" agent-gzip "$RAW"
  if ((pg)); then
    ab_pair "$1" agent-pg "$WORK/pg.yml" agent-pg "$PG_RAW"
  fi
}

for rep in $(seq 1 "$reps"); do
  log "repetition $rep of $reps"
  if [[ -n "$baseline" ]]; then ab_round "$rep"; else round "$rep"; fi
done

((restic)) && restic_rows

if ((aot)); then
  log "start-up: version and status against a running daemon, JIT and native, 20 runs each"
  startup_rows "$RESULTS_TSV" 20
fi

tmp_after="$(du -sb /tmp 2>/dev/null | cut -f1 || true)"

mkdir -p "$BENCH/results"
readonly JSON="$BENCH/results/$ID.json"
python3 "$BENCH/report.py" "$RESULTS_TSV" "$JSON" \
  "id=$ID" "reps=$reps" "cores=$CORES" "load_start=$load_start" "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" \
  "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
  "mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)" "engine=$(docker version -f '{{.Server.Version}}')" \
  "s3_part_mib=$((s3 ? S3_PART_MIB : 0))" "s3_parts_in_flight=$S3_PARTS_IN_FLIGHT" "tmp_before=${tmp_before:-0}" "tmp_after=${tmp_after:-0}" "helper_image=$HELPER_IMAGE" "pg_rows=$PG_ROWS" \
  "new_rev=$(git -C "$REPO" rev-parse --short=12 HEAD)$(git -C "$REPO" diff --quiet HEAD -- agent 2>/dev/null || echo '+changes')" \
  "old_rev=${OLD_REV:0:12}" "ab_native=$ab_native" "aot_publish_s=$AOT_PUBLISH_S" "aot_bytes=$([[ -n "$AOT_BIN" ]] && stat -c %s "$AOT_BIN")"
log "JSON: $JSON"

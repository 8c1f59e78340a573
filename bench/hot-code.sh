#!/usr/bin/env bash
# Writes agent/hot-methods.txt: the methods of the native binary that the agent's everyday commands run. The AOT
# compiler places them first, together (IlcOrderFile in agent/VolumeAgent.csproj), so a run maps a few MiB of
# code instead of most of the binary (bench/RESULTS.md, run 19).
#
#   sudo bash bench/hot-code.sh      # needs root, the engine, the test images (tests/images/build.sh), age-keygen
#
# The kernel maps a cached file into a process 64 KiB at a time (fault-around): a run whose methods are spread
# over the binary maps most of its code. Two passes find the methods a run needs (steps in bench/hot_code.py):
#   1. exact: the agent published with the AOT compiler's reachability instrumentation (every method with IL of
#      its own sets a flag when it starts; written to reach.mprof at exit) and without optimisation (no inlining,
#      so each method's code sets only its own flag); flags are matched to method names through the relocations
#      in the compiler's object file. Generic instantiations, stubs and the like carry no flag.
#   2. by pages, for those: the agent published as shipped, with pass 1's methods first, runs from an ext4 file
#      system on a loop device with read-ahead off, out of the page cache at the start: a page of it is then read,
#      and cached, only when a process touches it, and mincore(2) on the file lists the touched pages. Every
#      method without a flag that lies on a touched page of managed code is kept.
# The file lists pass 1's methods, then pass 2's. The workload, the same in both passes: version, --help, validate,
# engine; run-now of a volume job with compression none, gzip, zstd and gzip encrypted with age; run-now of a job
# with PostgreSQL, MariaDB (as mysql) and Redis; list, verify --drill, prune, status; restore of the volume into a
# new volume and of the databases (--force); the daemon with run-now, status and health through its control
# socket, and its shutdown.
# Everything it creates is labelled io.volume-agent.hot-code=1 and removed at exit, also on failure or Ctrl-C.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly REPO="$PWD" BENCH="$PWD/bench"
readonly OUT="$REPO/agent/hot-methods.txt"
readonly HELPER_IMAGE="${BENCH_HELPER_IMAGE:-volume-agent-test/helper:busybox}"
readonly LABEL="io.volume-agent.hot-code=1"
(($# == 0)) || { echo "bench/hot-code.sh: takes no arguments (see the comment at its top)" >&2; exit 2; }
((EUID == 0)) || { echo "bench/hot-code.sh: needs root (a loop mount and its read-ahead setting)" >&2; exit 1; }
for tool in losetup mkfs.ext4 nm readelf age-keygen docker python3; do
  command -v "$tool" >/dev/null || { echo "bench/hot-code.sh: $tool is missing" >&2; exit 1; }
done

readonly WORK="/var/tmp/va-hot-code-$$"
readonly MNT="$WORK/mnt" VOL="va-hot-code-$$" PG="va-hot-code-pg-$$" MARIA="va-hot-code-maria-$$" REDIS="va-hot-code-redis-$$"
mkdir -p "$WORK" "$MNT"
exec 3>&2  # the script's stderr (the workload's output goes to a log)
daemon_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if ((rc)); then for f in "$WORK"/pass*.workload.log; do [[ -f "$f" ]] && tail -n 40 "$f" >&3; done; fi
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  mountpoint -q "$MNT" && umount "$MNT"
  local ids; ids="$(docker ps -aq --filter "label=$LABEL")"
  [[ -n "$ids" ]] && docker rm -fv $ids >/dev/null 2>&1
  ids="$(docker volume ls -q --filter "label=$LABEL")"
  [[ -n "$ids" ]] && docker volume rm -f $ids >/dev/null 2>&1
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# ---------------------------------------------------------------- what the workload backs up
log "creating a volume and the database containers"
docker volume create --label "$LABEL" "$VOL" >/dev/null
python3 - "$(docker volume inspect -f '{{.Mountpoint}}' "$VOL")" <<'EOF'
import os, random, sys
root, rng = sys.argv[1], random.Random(7)
for d in range(8):
    os.makedirs(f"{root}/dir{d}/sub", exist_ok=True)
    for f in range(20):
        text = "".join(f"{rng.randrange(10**9)} INFO user=u{rng.randrange(50)} path=/api/{rng.randrange(9)}\n" for _ in range(200))
        with open(f"{root}/dir{d}/log{f}.txt", "w") as out: out.write(text)
        with open(f"{root}/dir{d}/sub/blob{f}.bin", "wb") as out: out.write(rng.randbytes(rng.randrange(1, 300_000)))
os.symlink("dir0/log0.txt", f"{root}/link")
os.link(f"{root}/dir0/log1.txt", f"{root}/hardlink")
os.mkfifo(f"{root}/fifo")
EOF
docker run -d --name "$PG" --label "$LABEL" -e POSTGRES_PASSWORD=hot volume-agent-test/postgres:15 >/dev/null
docker run -d --name "$MARIA" --label "$LABEL" -e MARIADB_ROOT_PASSWORD=hot -e MARIADB_DATABASE=shop volume-agent-test/mariadb:10.11 >/dev/null
docker run -d --name "$REDIS" --label "$LABEL" volume-agent-test/redis:7 >/dev/null
for _ in $(seq 1 120); do
  docker exec "$PG" pg_isready -U postgres >/dev/null 2>&1 \
    && docker exec "$MARIA" mariadb -uroot -phot -e 'SELECT 1' shop >/dev/null 2>&1 && break
  sleep 1
done
docker exec "$PG" psql -q -v ON_ERROR_STOP=1 -U postgres -c "CREATE DATABASE app" >/dev/null
docker exec "$PG" psql -q -v ON_ERROR_STOP=1 -U postgres -d app -c \
  "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g" >/dev/null
docker exec "$MARIA" mariadb -uroot -phot shop -e \
  "CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t SELECT seq, md5(seq) FROM seq_1_to_20000" >/dev/null
docker exec "$REDIS" redis-cli set greeting hello >/dev/null
age-keygen -o "$WORK/age-identity.txt" 2>/dev/null
readonly RECIPIENT="$(age-keygen -y "$WORK/age-identity.txt")"

cat >"$WORK/backup.yml" <<EOF
helper_image: $HELPER_IMAGE
state_dir: $WORK/state
storage:
  local: { type: local, path: $WORK/store }
jobs:
  files-none:
    schedule: "0 3 * * *"
    compression: none
    retention: { keep_last: 2 }
    sources:
      - volume: $VOL
  files-gzip:
    compression: gzip
    sources:
      - volume: $VOL
  files-zstd:
    compression: zstd
    sources:
      - volume: $VOL
  files-age:
    compression: gzip
    encryption:
      recipients: [$RECIPIENT]
    sources:
      - volume: $VOL
  databases:
    compression: zstd
    sources:
      - postgres: $PG
        databases: [app]
        user: postgres
        password: hot
      - mysql: $MARIA
        databases: [shop]
        user: root
        password: hot
      - redis: $REDIS
EOF

# ---------------------------------------------------------------- the workload
# Every command must succeed: the list would otherwise describe a shorter workload.
must() { "$@" || { echo "bench/hot-code.sh: failed (exit $?): $*" >&3; exit 1; }; }

workload() { # binary directory-of-the-daemon
  local va="$1" cfg="$WORK/backup.yml"
  rm -rf "$WORK/store" "$WORK/state"
  mkdir -p "$WORK/store" "$WORK/state"
  must "$va" version
  must "$va" --help
  must "$va" validate -c "$cfg"
  must "$va" engine -c "$cfg"
  for job in files-none files-gzip files-zstd files-age databases; do must "$va" run-now --no-daemon -c "$cfg" "$job"; done
  must "$va" run-now --no-daemon -c "$cfg" files-none
  must "$va" list -c "$cfg" files-none
  must "$va" list --json -c "$cfg" databases
  must "$va" verify --drill -c "$cfg" files-gzip/latest
  must "$va" verify -c "$cfg" databases/latest
  must "$va" prune -c "$cfg" files-none
  must "$va" status -c "$cfg"
  must "$va" restore -y --to-volume "$VOL-restored" -i "$WORK/age-identity.txt" -c "$cfg" files-age/latest
  must docker volume rm -f "$VOL-restored"
  must "$va" restore -y --force --no-safety-copy -c "$cfg" databases/latest
  export VOLUME_AGENT_CONTROL="$WORK/control.sock"
  (cd "$2" && exec "$va" daemon -c "$cfg") &
  daemon_pid=$!
  for _ in $(seq 1 100); do "$va" health -c "$cfg" >/dev/null 2>&1 && break; sleep 0.2; done
  must "$va" run-now -c "$cfg" files-gzip
  must "$va" status -c "$cfg"
  must "$va" health -c "$cfg"
  kill -TERM "$daemon_pid"  # the daemon exits 0 on SIGTERM
  must wait "$daemon_pid"
  daemon_pid=""
  unset VOLUME_AGENT_CONTROL
}

# shellcheck source=bench/agents.sh
source "$BENCH/agents.sh"

# ---------------------------------------------------------------- pass 1: the flagged methods that ran
publish_aot "$REPO" "$WORK/pass1" -p:StripSymbols=false -p:IlcOrderFile= -p:_InstrumentReachability=true -p:Optimize=false >/dev/null
log "pass 1: running the workload"
# Each process adds its flags to reach.mprof in its working directory when it exits. The daemon has a directory of
# its own: it writes back what it read at its start, which would drop the flags of the commands run meanwhile.
mkdir -p "$WORK/reach" "$WORK/reach-daemon"
(cd "$WORK/reach" && workload "$WORK/pass1/volume-agent" "$WORK/reach-daemon") >"$WORK/pass1.workload.log" 2>&1
python3 "$BENCH/hot_code.py" ran "$WORK/pass1.build/obj/VolumeAgent/release_linux-x64/native/volume-agent.o" \
  "$WORK/flagged" "$WORK/reach/reach.mprof" "$WORK/reach-daemon/reach.mprof" >"$WORK/ran"

# ---------------------------------------------------------------- pass 2: the methods without a flag, by pages
truncate -s 512M "$WORK/fs.img"
mkfs.ext4 -q "$WORK/fs.img"
mount -o loop "$WORK/fs.img" "$MNT"
echo 0 >"/sys/block/$(basename "$(findmnt -no SOURCE "$MNT")")/queue/read_ahead_kb"
publish_aot "$REPO" "$WORK/pass2" -p:StripSymbols=false "-p:IlcOrderFile=$WORK/ran" >/dev/null
cp "$WORK/pass2/volume-agent" "$MNT/volume-agent"
python3 "$BENCH/hot_code.py" evict "$MNT/volume-agent"
log "pass 2: running the workload"
mkdir -p "$WORK/daemon"
workload "$MNT/volume-agent" "$WORK/daemon" >"$WORK/pass2.workload.log" 2>&1
python3 "$BENCH/hot_code.py" touched "$MNT/volume-agent" >"$WORK/pages"
python3 "$BENCH/hot_code.py" pages "$WORK/pass2/volume-agent" "$WORK/pages" "$WORK/flagged" "$WORK/ran" >"$OUT"
log "wrote $OUT: $(wc -l <"$OUT") methods"

# The restic rows (bash bench/run.sh --restic): the agent's restic storage backing the 1 GiB mixed volume up file by
# file, against issue 15's figures. Sourced by run.sh; uses its log, now, record, mountpoint, WORK, STATE,
# AOT_BIN (the native binary, as the image runs it), HELPER_IMAGE, LABEL, RUN_LABEL, MP and RAW.
#
# Rows, each with the agent's peak RSS and, in the temp_bytes column, restic's own peak RSS in bytes (the restic
# processes of the helpers, sampled from the host every 0.2 s); artifact_bytes is the repository's size after the row:
#   restic-first       the first run into an empty repository
#   restic-unchanged   a second run of the unchanged volume
#   restic-churn2      a run after 2% of the volume's files were rewritten
#   restic-churn2x10   ten runs, each after 2% churn (wall: their total)
#   restic-host        `restic backup DIR` on the host into an empty repository of its own (the reference)
#   restic-host-unchanged, restic-host-churn2   the reference's second run, unchanged, and a third after 2% churn
# and prints the issue's ratios: unchanged / first wall (<= 10%) and added size (<= 1%), churn / first wall
# (<= 25%), each beside the reference's own ratio (restic's fixed cost per run without the agent's helpers), and
# how many helper containers each agent run started, repository after ten churned runs / after the first (<= 1.5x) beside what ten tar.gz sets of the same
# volume take (the volume's tar.gz, pigz -6 as the agent's gzip level, times ten: ~10x), agent first / host first
# wall, and the agent's peak RSS over all its restic runs (<= 100 MiB) beside restic's own.
#
# Only these rows, at full size (the 1 GiB volume), about 5 minutes on an idle 2-core machine:
#   bash bench/run.sh --restic-only
#
# BENCH_RESTIC_IMAGE (default volume-agent-test/restic:bookworm) is the helper image with restic.
# BENCH_RESTIC_SMALL=1 runs the rows on a small volume of its own (about 20 MB, 400 files) instead of a copy of
# the 1 GiB one (with --restic-only, the 1 GiB volume is then not made at all): for checking the script, not for
# figures.

readonly RESTIC_IMAGE="${BENCH_RESTIC_IMAGE:-volume-agent-test/restic:bookworm}"
# The largest agent RSS and restic RSS (KiB) of the agent runs so far, for the summary.
RESTIC_MAX_AGENT_KB=0 RESTIC_MAX_RESTIC_KB=0

restic_peak_sampler() { # out-file: the largest RSS (KiB) of any restic process on the host, every 0.2 s
  set +e
  local peak=0 now_kb
  while :; do
    now_kb="$(ps -C restic -o rss= 2>/dev/null | sort -n | tail -1)"
    if [[ -n "$now_kb" ]] && ((now_kb > peak)); then
      peak="$now_kb"
      echo "$peak" >"$1"
    fi
    sleep 0.2
  done
}

restic_repo_bytes() { du -sb "$1" | cut -f1; }

# Rewrites 2% of the volume's files (a fixed share, chosen at random) with new random bytes of the same size.
restic_churn() { # dir seed
  python3 - "$1" "$2" <<'PY'
import os, random, sys
root, seed = sys.argv[1], int(sys.argv[2])
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
rng = random.Random(seed)
for path in rng.sample(files, max(1, len(files) // 50)):
    size = os.path.getsize(path)
    with open(path, "wb") as out:
        out.write(os.urandom(size))
PY
  sync
}

restic_agent_run() { # variant (- records no row) rep config volume-dir repository
  local variant="$1" rep="$2" cfg="$3" raw tv="$WORK/restic-time.txt" peak="$WORK/restic-peak"
  raw="$(du -sb "$4" | cut -f1)"
  # Each row starts with the previous row's repository writes on disk, not in the page cache's writeback.
  sync
  echo 0 >"$peak"
  restic_peak_sampler "$peak" &
  local sampler=$!
  local t0 t1 e0 rc=0
  e0="$(engine_cpu)"
  t0="$(now)"
  /usr/bin/time -v -o "$tv" "$AOT_BIN" run-now --no-daemon -c "$cfg" restic-bench >"$WORK/restic-agent.out" 2>&1 || rc=$?
  t1="$(now)"
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  if ((rc != 0)); then
    echo "bench/restic.sh: the agent failed ($variant, exit $rc):" >&2
    cat "$WORK/restic-agent.out" >&2
    exit 1
  fi
  RESTIC_LAST_WALL="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')"
  # The helper containers of the run (each one a container start and restic's key derivation): the fixed cost.
  RESTIC_LAST_HELPERS="$(docker events --since "$t0" --until "$t1" --filter type=container --filter event=create \
    --filter "image=$RESTIC_IMAGE" --format x | wc -l)"
  [[ "$variant" == - ]] || log "restic: $variant took $RESTIC_LAST_WALL s with $RESTIC_LAST_HELPERS restic helper container(s)"
  RESTIC_LAST_RSS_KB="$(timefield "$tv" 'Maximum resident set size \\(kbytes\\)')"
  RESTIC_LAST_PEAK_KB="$(cat "$peak")"
  if ((RESTIC_LAST_RSS_KB > RESTIC_MAX_AGENT_KB)); then RESTIC_MAX_AGENT_KB="$RESTIC_LAST_RSS_KB"; fi
  if ((RESTIC_LAST_PEAK_KB > RESTIC_MAX_RESTIC_KB)); then RESTIC_MAX_RESTIC_KB="$RESTIC_LAST_PEAK_KB"; fi
  [[ "$variant" != - ]] || return 0
  record "$variant" "$rep" "$RESTIC_LAST_WALL" "$raw" "$(restic_repo_bytes "$5")" \
    "$RESTIC_LAST_RSS_KB" "$(timefield "$tv" 'User time \\(seconds\\)')" \
    "$(timefield "$tv" 'System time \\(seconds\\)')" "$((RESTIC_LAST_PEAK_KB * 1024))" "$(engine_delta "$e0")"
}

restic_rows() {
  docker image inspect "$RESTIC_IMAGE" >/dev/null 2>&1 || { echo "bench/restic.sh: image $RESTIC_IMAGE is missing (bash tests/images/build.sh)" >&2; exit 1; }
  command -v restic >/dev/null || { echo "bench/restic.sh: restic is missing on the host (apt-get install -y restic)" >&2; exit 1; }
  local vol="va-bench-restic-$$" dir
  docker volume create --label "$LABEL" --label "$RUN_LABEL" "$vol" >/dev/null
  dir="$(mountpoint "$vol")"
  if [[ "${BENCH_RESTIC_SMALL:-0}" == 1 ]]; then
    log "restic: a small volume of its own (BENCH_RESTIC_SMALL=1)"
    python3 - "$dir" <<'PY'
import os, random, sys
rng = random.Random(15)
for d in range(20):
    os.makedirs(os.path.join(sys.argv[1], "d%02d" % d))
    for k in range(20):
        size = rng.randrange(1024, 100 * 1024)
        data = os.urandom(size) if k % 2 else ("line %d\n" % k).encode() * (size // 8)
        with open(os.path.join(sys.argv[1], "d%02d" % d, "f%03d" % k), "wb") as out:
            out.write(data)
PY
  else
    log "restic: copying the 1 GiB mixed volume"
    cp -a "$MP/." "$dir/"
  fi
  sync
  local repo="$WORK/restic-repo" host_repo="$WORK/restic-host-repo" password="$WORK/restic-password"
  head -c 24 /dev/urandom | base64 >"$password"
  chmod 600 "$password"
  cat >"$WORK/restic.yml" <<EOF2
helper_image: $HELPER_IMAGE
state_dir: $STATE
storage:
  repo: { type: restic, repository: $repo, password_file: $password, init: true, image: $RESTIC_IMAGE }
jobs:
  restic-bench:
    storage: [repo]
    sources:
      - volume: $vol
EOF2
  log "restic: first run, unchanged run, 2% churn"
  restic_agent_run restic-first 1 "$WORK/restic.yml" "$dir" "$repo"
  local first_wall="$RESTIC_LAST_WALL" first_size
  first_size="$(restic_repo_bytes "$repo")"
  restic_agent_run restic-unchanged 1 "$WORK/restic.yml" "$dir" "$repo"
  local unchanged_wall="$RESTIC_LAST_WALL" unchanged_size
  unchanged_size="$(restic_repo_bytes "$repo")"
  restic_churn "$dir" 1
  restic_agent_run restic-churn2 1 "$WORK/restic.yml" "$dir" "$repo"
  local churn_wall="$RESTIC_LAST_WALL"

  log "restic: ten runs with 2% churn each, into a new repository"
  rm -rf "$repo"
  local total=0 i ten_first="" ten_rss=0 ten_restic=0
  for i in $(seq 1 10); do
    restic_churn "$dir" "$((i + 1))"
    restic_agent_run - 1 "$WORK/restic.yml" "$dir" "$repo"
    total="$(awk -v a="$total" -v b="$RESTIC_LAST_WALL" 'BEGIN{printf "%.3f", a+b}')"
    if ((RESTIC_LAST_RSS_KB > ten_rss)); then ten_rss="$RESTIC_LAST_RSS_KB"; fi
    if ((RESTIC_LAST_PEAK_KB > ten_restic)); then ten_restic="$RESTIC_LAST_PEAK_KB"; fi
    [[ -n "$ten_first" ]] || ten_first="$(restic_repo_bytes "$repo")"
  done
  local ten_size targz
  ten_size="$(restic_repo_bytes "$repo")"
  record restic-churn2x10 1 "$total" "$(du -sb "$dir" | cut -f1)" "$ten_size" "$ten_rss" 0 0 "$((ten_restic * 1024))" 0
  # What a tar.gz store keeps for the same ten sets: ten full archives (each churned state compresses alike).
  targz="$(tar -cf - -C "$dir" . | pigz -p "$CORES" -6 | wc -c)"

  log "restic: restic backup DIR on the host, the reference"
  RESTIC_PASSWORD_FILE="$password" restic --no-cache -q -r "$host_repo" init
  sync
  run_shell restic-host 1 "$(du -sb "$dir" | cut -f1)" /dev/null \
    "RESTIC_PASSWORD_FILE=$password restic --no-cache -q -r $host_repo backup $dir"
  # The reference's own unchanged and churned runs: restic's fixed cost per run (key derivation, index and tree
  # loading, the scan) without the agent's helpers, so the issue's ratios can be read against what restic itself needs.
  sync
  run_shell restic-host-unchanged 1 "$(du -sb "$dir" | cut -f1)" /dev/null \
    "RESTIC_PASSWORD_FILE=$password restic --no-cache -q -r $host_repo backup $dir"
  restic_churn "$dir" 99
  sync
  run_shell restic-host-churn2 1 "$(du -sb "$dir" | cut -f1)" /dev/null \
    "RESTIC_PASSWORD_FILE=$password restic --no-cache -q -r $host_repo backup $dir"
  local host_wall host_unchanged host_churn
  host_wall="$(awk -F'\t' '$1 == "restic-host" { w = $3 } END { print w }' "$RESULTS_TSV")"
  host_unchanged="$(awk -F'\t' '$1 == "restic-host-unchanged" { w = $3 } END { print w }' "$RESULTS_TSV")"
  host_churn="$(awk -F'\t' '$1 == "restic-host-churn2" { w = $3 } END { print w }' "$RESULTS_TSV")"

  log "restic: unchanged / first wall $(awk -v a="$unchanged_wall" -v b="$first_wall" 'BEGIN{printf "%.1f%%", 100*a/b}') (target <= 10%)," \
    "restic on the host $(awk -v a="$host_unchanged" -v b="$host_wall" 'BEGIN{printf "%.1f%%", 100*a/b}') ($host_unchanged s / $host_wall s);" \
    "added by the unchanged run $(awk -v a="$unchanged_size" -v b="$first_size" 'BEGIN{printf "%.2f%%", 100*(a-b)/b}') of the first (<= 1%)"
  log "restic: 2% churn / first wall $(awk -v a="$churn_wall" -v b="$first_wall" 'BEGIN{printf "%.1f%%", 100*a/b}') (target <= 25%);" \
    "restic on the host $(awk -v a="$host_churn" -v b="$host_wall" 'BEGIN{printf "%.1f%%", 100*a/b}') ($host_churn s / $host_wall s)"
  log "restic: repository after ten churned runs / after its first $(awk -v a="$ten_size" -v b="$ten_first" 'BEGIN{printf "%.2fx", a/b}') (target <= 1.5x);" \
    "ten tar.gz sets $(awk -v t="$targz" -v b="$ten_first" 'BEGIN{printf "%.1f MB = %.2fx", 10*t/1e6, 10*t/b}') of it," \
    "the repository $(awk -v a="$ten_size" 'BEGIN{printf "%.1f MB", a/1e6}')"
  log "restic: agent first run / host restic backup $(awk -v a="$first_wall" -v b="$host_wall" 'BEGIN{printf "%.2fx", a/b}')" \
    "($first_wall s / $host_wall s)"
  log "restic: agent peak RSS $(awk -v k="$RESTIC_MAX_AGENT_KB" 'BEGIN{printf "%.1f MiB", k/1024}') over all its restic runs (target <= 100 MiB)," \
    "restic's own peak RSS $(awk -v k="$RESTIC_MAX_RESTIC_KB" 'BEGIN{printf "%.1f MiB", k/1024}') (in its helpers)," \
    "host restic backup $(awk -F'\t' '$1 == "restic-host" { k = $6 } END { printf "%.1f MiB", k/1024 }' "$RESULTS_TSV")"
  docker volume rm -f "$vol" >/dev/null
}

# The agent binaries run.sh measures, and its start-up rows. Sourced by run.sh (uses its log, now, WORK,
# STORE, HELPER_IMAGE, DLL, AOT_BIN, AGENT_GC_ENV and daemon_pid) and, for publish_aot, by hot-code.sh (log, REPO).

build_jit() { # checkout out-dir: the JIT build (Release) of checkout's agent/; prints the dll's path
  log "building ${1/#"$REPO"/.}/agent (Release, JIT)"
  # Its own artifacts path: no clash with the checkout's own build (or a test run's) going on at the same time.
  dotnet build "$1/agent/VolumeAgent.csproj" -c Release --artifacts-path "$2.build" -o "$2" -nologo -v q >"$2.log" 2>&1 \
    || { cat "$2.log" >&2; exit 1; }
  echo "$2/volume-agent.dll"
}

# publish_aot checkout out-dir [msbuild-argument...]: the NativeAOT publish the image ships (linux-x64), or with the
# given arguments another; prints the executable's path. The compiler's files stay in out-dir.build (hot-code.sh reads
# its object file) until the caller's WORK is removed.
publish_aot() {
  local checkout="$1" out="$2"
  shift 2
  log "publishing ${checkout/#"$REPO"/.}/agent (NativeAOT, linux-x64${*:+, $*}; minutes)"
  dotnet publish "$checkout/agent/VolumeAgent.csproj" -c Release -r linux-x64 -p:PublishAot=true -p:DebugType=none "$@" \
    --artifacts-path "$out.build" -o "$out" -nologo -v q >"$out.log" 2>&1 || { cat "$out.log" >&2; exit 1; }
  # A publish stopped by signals (its compiler, then dotnet) was seen to end with 0: the executable decides.
  [[ -x "$out/volume-agent" ]] || { echo "bench: the NativeAOT publish made no $out/volume-agent:" >&2; cat "$out.log" >&2; exit 1; }
  log "published: $(stat -c %s "$out/volume-agent") bytes"
  echo "$out/volume-agent"
}

# `volume-agent version`, and `volume-agent status` answered by a running daemon (the native binary, on a
# control socket of its own so no other daemon on the machine answers), each as the JIT build and as the
# native binary: RUNS alternating runs of each (bench/startup.py), appended to the results TSV.
startup_rows() { # results-tsv runs
  local cfg="$WORK/startup.yml" state="$WORK/startup-state"
  mkdir -p "$state"
  cat >"$cfg" <<EOF
helper_image: $HELPER_IMAGE
state_dir: $state
storage:
  local: { type: local, path: $STORE }
jobs:
  nightly:
    schedule: "0 3 * * *"
    storage: [local]
    sources:
      - volume: va-bench-startup-unused
EOF
  export VOLUME_AGENT_CONTROL="$WORK/control.sock"
  "$AOT_BIN" daemon -c "$cfg" >"$WORK/daemon.out" 2>&1 &
  daemon_pid=$!
  local ready=0
  for _ in $(seq 1 100); do
    # health, not status: status answers from the storages when no daemon does.
    if "$AOT_BIN" health -c "$cfg" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ((!ready)); then
    echo "bench/run.sh: the daemon did not turn healthy within 20 s:" >&2
    cat "$WORK/daemon.out" >&2
    exit 1
  fi
  env "${AGENT_GC_ENV[@]}" python3 "$BENCH/startup.py" "$2" "$1" \
    "startup-version-jit=dotnet $DLL version" "startup-version-aot=$AOT_BIN version" \
    "startup-status-jit=dotnet $DLL status -c $cfg" "startup-status-aot=$AOT_BIN status -c $cfg"
  kill -TERM "$daemon_pid"
  wait "$daemon_pid" 2>/dev/null || true
  daemon_pid=""
  unset VOLUME_AGENT_CONTROL
}

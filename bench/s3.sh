# The off-site rows' fixtures: an S3-compatible server on loopback (s3rver, as the S3 integration tests start
# it) and an age key pair. Sourced by run.sh (uses its log, WORK and s3rver_pid).

readonly S3RVER_DEFAULT=/opt/volume-agent-ci/s3rver/node_modules/.bin/s3rver
readonly S3_BUCKET=backups
# The only key pair s3rver accepts.
readonly S3_KEY=S3RVER

find_s3rver() { # prints s3rver's path: $S3RVER, or where .ci/run installs it
  local path="${S3RVER:-$S3RVER_DEFAULT}"
  [[ -x "$path" ]] || {
    echo "bench/run.sh: s3rver was not found at $path: \`npm install --prefix /opt/volume-agent-ci/s3rver s3rver@3.7.1\`" \
      "(bash .ci/run does this), set S3RVER to the path of node_modules/.bin/s3rver, or pass --no-s3" >&2
    exit 1
  }
  echo "$path"
}

# Starts s3rver on a free 127.0.0.1 port over DIR/data with one bucket, its temporary files in DIR/tmp; sets
# S3_ENDPOINT, S3_DATA (the bucket's directory: what a run stored) and s3rver_pid; writes the key files.
start_s3rver() { # dir
  local server port
  server="$(find_s3rver)"
  mkdir -p "$1/data" "$1/tmp"
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  # s3rver's listing continuation tokens use a cipher OpenSSL 3 (Node 17+) keeps in its legacy provider.
  TMPDIR="$1/tmp" NODE_OPTIONS=--openssl-legacy-provider "$server" -d "$1/data" -a 127.0.0.1 -p "$port" \
    --configure-bucket "$S3_BUCKET" --silent >"$1/s3rver.out" 2>&1 &
  s3rver_pid=$!
  local up=0
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    kill -0 "$s3rver_pid" 2>/dev/null || break
    sleep 0.2
  done
  if ((!up)); then
    echo "bench/run.sh: s3rver did not answer on 127.0.0.1:$port within 30 s:" >&2
    cat "$1/s3rver.out" >&2
    exit 1
  fi
  S3_ENDPOINT="http://127.0.0.1:$port"
  S3_DATA="$1/data/$S3_BUCKET"
  # Keys in files, as a deployment gives them: never on a command line.
  printf '%s\n' "$S3_KEY" >"$1/access_key"
  printf '%s\n' "$S3_KEY" >"$1/secret_key"
  chmod 600 "$1/access_key" "$1/secret_key"
  log "s3rver $("$server" --version 2>/dev/null || echo '?') on $S3_ENDPOINT (pid $s3rver_pid)"
}

stop_s3rver() {
  [[ -n "$s3rver_pid" ]] || return 0
  kill "$s3rver_pid" 2>/dev/null
  wait "$s3rver_pid" 2>/dev/null || true
  s3rver_pid=""
}

# An age key pair for the encrypted row: prints the recipient (age1...); the identity stays in the file.
make_age_recipient() { # identity-file
  age-keygen -o "$1" 2>/dev/null
  age-keygen -y "$1"
}

#!/usr/bin/env bash
# Smoke checks of the test images that tests/images/build.sh makes: each database image is
# started with a fresh named volume the way the integration tests start it, and its
# documented behaviour is checked (auth, dumps, first start vs. restart, *_FILE variables).
# Run after changing a recipe:  bash tests/images/build.sh && bash tests/images/check.sh
# Usage: bash tests/images/check.sh [helper|tools|postgres|mariadb|redis]...
# Every container and volume it creates is named vat-check-<pid>-* and removed at exit.
set -euo pipefail

readonly RUN_ID="vat-check-$$"
readonly HELPER=volume-agent-test/helper:busybox
readonly TOOLS=volume-agent-test/tools:bookworm
readonly POSTGRES=volume-agent-test/postgres:15
readonly MARIADB=volume-agent-test/mariadb:10.11
readonly REDIS=volume-agent-test/redis:7

workdir="$(mktemp -d)"
failures=0

# Everything this run creates is named $RUN_ID-*; remove exactly that.
cleanup() {
  docker ps -aq --filter "name=^/$RUN_ID-" | xargs -r docker rm -f -v >/dev/null 2>&1 || true
  docker volume ls -q | grep "^$RUN_ID-" | xargs -r docker volume rm -f >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[check %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
pass() { printf '  ok    %s\n' "$*"; }
fail() { printf '  FAIL  %s\n' "$*"; failures=$((failures + 1)); }
# expect DESCRIPTION COMMAND...: the command must succeed.
expect() { local d="$1"; shift; if "$@" >"$workdir/out" 2>&1; then pass "$d"; else fail "$d"; sed 's/^/        /' "$workdir/out" | tail -n 20; fi; }
# refuse DESCRIPTION COMMAND...: the command must fail.
refuse() { local d="$1"; shift; if "$@" >"$workdir/out" 2>&1; then fail "$d (it succeeded)"; sed 's/^/        /' "$workdir/out" | tail -n 5; else pass "$d"; fi; }

new_volume() { local v="$RUN_ID-$1"; docker volume create "$v" >/dev/null; echo "$v"; }
# run_db NAME IMAGE DOCKER-RUN-ARGS...: starts a detached container (arguments before the image).
run_db() {
  local name="$RUN_ID-$1" image="$2"; shift 2
  docker run -d --name "$name" "$@" "$image" >/dev/null
  echo "$name"
}

# wait_healthy CONTAINER [SECONDS]: prints the time it took; fails when the container stops.
wait_healthy() {
  local c="$1" limit="${2:-120}" started status
  started="$(date +%s%N)"
  while :; do
    status="$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$c")"
    case "$status" in
      'running healthy') break ;;
      running*) ;;
      *) echo "container $c is $status"; docker logs --tail 30 "$c" 2>&1; return 1 ;;
    esac
    if [ $(( ($(date +%s%N) - started) / 1000000000 )) -ge "$limit" ]; then
      echo "container $c not healthy after ${limit}s"; docker logs --tail 30 "$c" 2>&1; return 1
    fi
    sleep 0.2
  done
  awk -v ns="$(( $(date +%s%N) - started ))" 'BEGIN { printf "%.1f s\n", ns / 1e9 }'
}


# stop_quickly CONTAINER: docker stop must finish well within its 10 s grace period.
stop_quickly() {
  local started elapsed
  started="$(date +%s%N)"
  docker stop "$1" >/dev/null
  elapsed=$(( ($(date +%s%N) - started) / 1000000 ))
  echo "stopped in ${elapsed} ms"
  [ "$elapsed" -lt 5000 ]
}

# --- helper ------------------------------------------------------------------------------------

check_helper() {
  log "$HELPER"
  local vol out
  vol="$(new_volume helper)"
  # Awkward content: long names, spaces, symlink, hard link, fifo, empty dir, high uid, 1 MiB.
  docker run --rm --network none -v "$vol:/data" "$TOOLS" bash -ec '
    cd /data
    long=$(printf "d%.0s" $(seq 1 120)); mkdir -p "$long/sub dir" empty
    printf "hello\n" > "$long/sub dir/$(printf "f%.0s" $(seq 1 150)).txt"
    head -c 1048576 /dev/urandom > blob.bin
    ln -s blob.bin link-to-blob; ln blob.bin hard-to-blob; mkfifo pipe
    printf "owned\n" > high-uid; chown 3000000:3000001 high-uid
    printf "x\n" > "name with spaces and ü"; chmod 640 "name with spaces and ü"'

  expect "runs sh as root by default" \
    bash -c "[ \"\$(docker run --rm --network none $HELPER id -u)\" = 0 ]"
  expect "/tmp is 1777" bash -c "[ \"\$(docker run --rm --network none $HELPER stat -c %a /tmp)\" = 1777 ]"
  expect "default command is sh" \
    bash -c "[ \"\$(docker image inspect -f '{{json .Config.Cmd}}' $HELPER)\" = '[\"sh\"]' ]"
  expect "applets: tar gzip sha256sum find stat sleep cat ls mkdir" \
    docker run --rm --network none "$HELPER" sh -ec \
      'for a in tar gzip sha256sum find stat sleep cat ls mkdir xargs du wc env; do command -v $a; done'

  out="$workdir/helper"
  mkdir -p "$out/extracted"
  expect "busybox tar cf - of a read-only volume" \
    bash -c "docker run --rm --network none -v $vol:/data:ro $HELPER tar cf - -C /data . > $out/volume.tar"
  expect "GNU tar lists the archive" tar -tvf "$out/volume.tar"
  expect "GNU tar extracts it (owners and modes)" \
    tar -xpf "$out/volume.tar" --numeric-owner -C "$out/extracted"
  expect "contents match (sha256 of every file)" bash -c "
    diff <(docker run --rm --network none -v $vol:/data:ro $HELPER sh -c 'cd /data && find . -type f | sort | while read -r f; do sha256sum \"\$f\"; done') \
         <(cd $out/extracted && find . -type f | LC_ALL=C sort | while read -r f; do sha256sum \"\$f\"; done)"
  expect "high uid/gid survive (3000000:3000001)" \
    bash -c "[ \"\$(stat -c %u:%g $out/extracted/high-uid)\" = 3000000:3000001 ]"
  expect "symlink, hard link and fifo survive" bash -c "
    [ \"\$(readlink $out/extracted/link-to-blob)\" = blob.bin ] &&
    [ \"\$(stat -c %i $out/extracted/blob.bin)\" = \"\$(stat -c %i $out/extracted/hard-to-blob)\" ] &&
    [ -p $out/extracted/pipe ]"
  expect "busybox tar czf is read by gzip -t" bash -c "
    docker run --rm --network none -v $vol:/data:ro $HELPER tar czf - -C /data . | gzip -t"
  # Known limit (not a failure): Debian's busybox tar has no --exclude/-X/-T (Alpine's has).
  if docker run --rm --network none "$HELPER" tar cf /dev/null --exclude x -C /tmp . >/dev/null 2>&1; then
    log "note: busybox tar supports --exclude"
  else
    log "note: busybox tar has no --exclude, -X or -T (Alpine's busybox has them)"
  fi
}

# --- tools -------------------------------------------------------------------------------------

check_tools() {
  log "$TOOLS"
  expect "sqlite3 zstd pigz tar gzip sha256sum find" docker run --rm --network none "$TOOLS" bash -ec '
    sqlite3 :memory: "select 1;"; zstd --version; pigz --version; tar --version; gzip --version
    sha256sum --version; find --version; test -s /etc/ssl/certs/ca-certificates.crt'
  expect "zstd and pigz round trip through tar" docker run --rm --network none "$TOOLS" bash -ec '
    tar -C /etc -cf - apt | zstd -T0 -3 -q | zstd -dc | tar -tf - >/dev/null
    tar -C /etc -cf - apt | pigz -p2 | pigz -dc | tar -tf - >/dev/null'
  expect "apt works inside (sources present)" docker run --rm "$TOOLS" bash -ec '
    apt-get update -qq && apt-cache policy postgresql-15 | grep -q Candidate'
}

# --- postgres ----------------------------------------------------------------------------------

check_postgres() {
  log "$POSTGRES"
  local vol c took
  vol="$(new_volume pg)"
  c="$(run_db pg "$POSTGRES" -e POSTGRES_PASSWORD=secret -e POSTGRES_DB=app -v "$vol:/var/lib/postgresql/data")"
  if took="$(wait_healthy "$c")"; then pass "fresh volume, POSTGRES_PASSWORD, POSTGRES_DB=app: healthy in $took"
  else fail "fresh volume: not healthy"; echo "$took" | sed 's/^/        /'; return 0; fi
  expect "psql -U postgres -c 'select 1'" docker exec "$c" psql -U postgres -c 'select 1'
  expect "database app exists; table created" \
    docker exec "$c" psql -v ON_ERROR_STOP=1 -U postgres -d app -c 'create table t as select generate_series(1, 1000) as i'
  expect "pg_dump -Fc app | pg_restore --list" bash -c "
    docker exec $c pg_dump -U postgres -Fc app | docker exec -i $c pg_restore --list | grep -q 'TABLE DATA public t'"
  expect "pg_dumpall" bash -c "docker exec $c pg_dumpall -U postgres | grep -q 'PostgreSQL database cluster dump complete'"
  expect "postgres is PID 1" bash -c "[ \"\$(docker exec $c cat /proc/1/comm)\" = postgres ]"
  expect "PGDATA owned by postgres, mode 700" \
    bash -c "[ \"\$(docker exec $c stat -c '%U %a' /var/lib/postgresql/data)\" = 'postgres 700' ]"
  expect "pg_hba.conf ends with host all all all scram-sha-256" \
    bash -c "docker exec $c tail -n 1 /var/lib/postgresql/data/pg_hba.conf | grep -qx 'host all all all scram-sha-256'"
  expect "TCP on the container address needs the password" bash -c "
    ip=\$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' $c)
    ! docker exec $c psql -w -h \$ip -U postgres -c 'select 1' >/dev/null 2>&1 &&
    docker exec -e PGPASSWORD=secret $c psql -w -h \$ip -U postgres -c 'select 1'"
  expect "docker stop is quick (SIGINT, fast shutdown)" stop_quickly "$c"
  docker rm "$c" >/dev/null
  c="$(run_db pg-again "$POSTGRES" -v "$vol:/var/lib/postgresql/data")"
  if took="$(wait_healthy "$c")"; then pass "restart on the same volume without env: healthy in $took"
  else fail "restart: not healthy"; fi
  expect "restart skipped initialisation and kept the data" bash -c "
    docker logs $c 2>&1 | grep -q 'Skipping initialization' &&
    [ \"\$(docker exec $c psql -U postgres -d app -tAc 'select count(*) from t')\" = 1000 ]"

  # A server that asks every client for a password, set up through *_FILE and init scripts.
  mkdir -p "$workdir/pg/secrets" "$workdir/pg/init"
  printf 'pa ss\n' > "$workdir/pg/secrets/password"
  printf 'alice' > "$workdir/pg/secrets/user"
  printf 'shop' > "$workdir/pg/secrets/db"
  printf 'create table items (id int); insert into items values (1), (2);\n' > "$workdir/pg/init/10-items.sql"
  printf '#!/bin/bash\nset -e\npsql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "insert into items values (3)"\n' \
    > "$workdir/pg/init/20-more.sh"
  chmod 0755 "$workdir/pg/init/20-more.sh"
  c="$(run_db pg-scram "$POSTGRES" \
    -e POSTGRES_PASSWORD_FILE=/run/secrets/password -e POSTGRES_USER_FILE=/run/secrets/user \
    -e POSTGRES_DB_FILE=/run/secrets/db \
    -e 'POSTGRES_INITDB_ARGS=--auth-local=scram-sha-256 --auth-host=scram-sha-256' \
    -v "$workdir/pg/secrets:/run/secrets:ro" -v "$workdir/pg/init:/docker-entrypoint-initdb.d:ro" \
    --mount "type=volume,source=$(new_volume pg-scram),target=/var/lib/postgresql/data")"
  if took="$(wait_healthy "$c")"; then pass "scram, *_FILE, init scripts: healthy in $took"
  else fail "scram: not healthy"; echo "$took" | sed 's/^/        /'; return 0; fi
  refuse "psql without PGPASSWORD is refused" docker exec "$c" psql -w -U alice -d shop -c 'select 1'
  refuse "psql with a wrong PGPASSWORD is refused" docker exec -e PGPASSWORD=wrong "$c" psql -w -U alice -d shop -c 'select 1'
  expect "psql with the right PGPASSWORD works; init scripts ran" bash -c "
    [ \"\$(docker exec -e 'PGPASSWORD=pa ss' $c psql -w -U alice -d shop -tAc 'select count(*) from items')\" = 3 ]"
  expect "pg_dump with PGPASSWORD" bash -c "
    docker exec -e 'PGPASSWORD=pa ss' $c pg_dump -w -U alice -Fc shop | docker exec -i $c pg_restore --list | grep -q 'TABLE DATA public items'"

  # Health checks with the superuser named only in a file, local connections trusted.
  c="$(run_db pg-userfile "$POSTGRES" -e POSTGRES_USER_FILE=/run/secrets/user -e POSTGRES_PASSWORD=x \
    -v "$workdir/pg/secrets:/run/secrets:ro" \
    --mount "type=volume,source=$(new_volume pg-userfile),target=/var/lib/postgresql/data")"
  if took="$(wait_healthy "$c")"; then pass "POSTGRES_USER_FILE only: healthy in $took"
  else fail "POSTGRES_USER_FILE: not healthy"; fi
  sleep 5 # a few health checks
  expect "health checks leave nothing in the server log" bash -c "! docker logs $c 2>&1 | grep -E 'FATAL|ERROR'"

  c="$(run_db pg-nopass "$POSTGRES" --mount "type=volume,source=$(new_volume pg-nopass),target=/var/lib/postgresql/data")"
  expect "without POSTGRES_PASSWORD the first start fails with a message" bash -c "
    [ \"\$(timeout 60 docker wait $c)\" != 0 ] && docker logs $c 2>&1 | grep -q 'superuser password is not specified'"
}

# --- mariadb -----------------------------------------------------------------------------------

check_mariadb() {
  log "$MARIADB"
  local vol c took
  vol="$(new_volume my)"
  c="$(run_db my "$MARIADB" -e 'MARIADB_ROOT_PASSWORD=r00t pw' -e MARIADB_DATABASE=shop \
    -e MARIADB_USER=bob -e MARIADB_PASSWORD=bobpw -v "$vol:/var/lib/mysql")"
  if took="$(wait_healthy "$c")"; then pass "fresh volume, MARIADB_ROOT_PASSWORD, DATABASE, USER: healthy in $took"
  else fail "fresh volume: not healthy"; echo "$took" | sed 's/^/        /'; return 0; fi
  refuse "mariadb -uroot without a password is refused (socket)" docker exec "$c" mariadb -uroot -e 'select 1'
  refuse "mariadb -uroot without a password is refused (TCP)" docker exec "$c" mariadb -uroot -h127.0.0.1 -e 'select 1'
  refuse "mariadb -uroot with a wrong password is refused" docker exec -e MYSQL_PWD=wrong "$c" mariadb -uroot -e 'select 1'
  expect "MYSQL_PWD=... mariadb -uroot -e 'select 1'" docker exec -e 'MYSQL_PWD=r00t pw' "$c" mariadb -uroot -e 'select 1'
  expect "root@'%' exists (TCP login)" docker exec -e 'MYSQL_PWD=r00t pw' "$c" mariadb -uroot -h127.0.0.1 -e 'select 1'
  expect "user bob owns database shop" docker exec -e MYSQL_PWD=bobpw "$c" mariadb -ubob -h127.0.0.1 shop \
    -e 'create table t (i int); insert into t values (1), (2), (3)'
  refuse "user bob cannot see other databases" docker exec -e MYSQL_PWD=bobpw "$c" mariadb -ubob mysql -e 'select 1'
  expect "mariadb-dump --all-databases ends with '-- Dump completed'" bash -c "
    docker exec -e 'MYSQL_PWD=r00t pw' $c mariadb-dump -uroot --all-databases --single-transaction | tail -n 1 | grep -q '^-- Dump completed'"
  expect "mysqldump and mysql are on PATH" docker exec -e 'MYSQL_PWD=r00t pw' "$c" sh -c 'mysqldump -uroot shop >/dev/null && mysql -uroot -e "select 1" >/dev/null'
  expect "mariadbd is PID 1" bash -c "[ \"\$(docker exec $c cat /proc/1/comm)\" = mariadbd ]"
  expect "data directory owned by mysql" bash -c "[ \"\$(docker exec $c stat -c %U /var/lib/mysql)\" = mysql ]"
  sleep 5 # a few health checks
  expect "health checks leave nothing in the server log" \
    bash -c "! docker logs $c 2>&1 | grep 'Aborted connection'"
  expect "docker stop is quick" stop_quickly "$c"
  docker rm "$c" >/dev/null
  c="$(run_db my-again "$MARIADB" -v "$vol:/var/lib/mysql")"
  if took="$(wait_healthy "$c")"; then pass "restart on the same volume without env: healthy in $took"
  else fail "restart: not healthy"; fi
  expect "restart kept the data" bash -c "
    [ \"\$(docker exec -e 'MYSQL_PWD=r00t pw' $c mariadb -uroot shop -Nse 'select count(*) from t')\" = 3 ]"

  # The MYSQL_* names, *_FILE forms and init scripts.
  mkdir -p "$workdir/my/secrets" "$workdir/my/init"
  printf "it's \"quoted\" \\\\ pw\n" > "$workdir/my/secrets/root"
  printf 'carol' > "$workdir/my/secrets/user"
  printf 'c4rol' > "$workdir/my/secrets/password"
  printf 'my_app' > "$workdir/my/secrets/db"
  printf 'create table items (id int); insert into items values (1), (2);\n' > "$workdir/my/init/10-items.sql"
  printf '#!/bin/bash\necho "insert into items values (3);" | docker_process_sql\n' > "$workdir/my/init/20-more.sh"
  c="$(run_db my-file "$MARIADB" \
    -e MYSQL_ROOT_PASSWORD_FILE=/run/secrets/root -e MYSQL_USER_FILE=/run/secrets/user \
    -e MARIADB_PASSWORD_FILE=/run/secrets/password -e MYSQL_DATABASE_FILE=/run/secrets/db \
    -e MARIADB_INITDB_SKIP_TZINFO=1 \
    -v "$workdir/my/secrets:/run/secrets:ro" -v "$workdir/my/init:/docker-entrypoint-initdb.d:ro" \
    --mount "type=volume,source=$(new_volume my-file),target=/var/lib/mysql")"
  if took="$(wait_healthy "$c")"; then pass "MYSQL_* names, *_FILE, init scripts: healthy in $took"
  else fail "*_FILE: not healthy"; echo "$took" | sed 's/^/        /'; return 0; fi
  expect "root password with quotes and a backslash; init scripts ran" bash -c "
    [ \"\$(docker exec -e MYSQL_PWD=\"\$(cat $workdir/my/secrets/root)\" $c mariadb -uroot my_app -Nse 'select count(*) from items')\" = 3 ]"
  expect "user carol on my_app (underscore in the name)" \
    docker exec -e MYSQL_PWD=c4rol "$c" mariadb -ucarol my_app -e 'select * from items'

  c="$(run_db my-empty "$MARIADB" -e MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 -e MARIADB_INITDB_SKIP_TZINFO=1 \
    --mount "type=volume,source=$(new_volume my-empty),target=/var/lib/mysql")"
  if took="$(wait_healthy "$c")"; then pass "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: healthy in $took"; else fail "empty: not healthy"; fi
  expect "root without a password works then" docker exec "$c" mariadb -uroot -e 'select 1'

  c="$(run_db my-random "$MARIADB" -e MARIADB_RANDOM_ROOT_PASSWORD=yes -e MARIADB_INITDB_SKIP_TZINFO=1 \
    --mount "type=volume,source=$(new_volume my-random),target=/var/lib/mysql")"
  if took="$(wait_healthy "$c")"; then pass "MARIADB_RANDOM_ROOT_PASSWORD: healthy in $took"; else fail "random: not healthy"; fi
  expect "the generated root password is printed and works" bash -c "
    pw=\$(docker logs $c 2>&1 | sed -n 's/.*GENERATED ROOT PASSWORD: //p')
    [ -n \"\$pw\" ] && docker exec -e MYSQL_PWD=\"\$pw\" $c mariadb -uroot -e 'select 1'"

  c="$(run_db my-nopass "$MARIADB" --mount "type=volume,source=$(new_volume my-nopass),target=/var/lib/mysql")"
  expect "without a root password option the first start fails with a message" bash -c "
    [ \"\$(timeout 60 docker wait $c)\" != 0 ] && docker logs $c 2>&1 | grep -q 'password option is not specified'"
}

# --- redis -------------------------------------------------------------------------------------

check_redis() {
  log "$REDIS"
  local c took
  c="$(run_db redis "$REDIS" -e REDIS_PASSWORD=s3cret --mount "type=volume,source=$(new_volume redis),target=/data")"
  if took="$(wait_healthy "$c")"; then pass "healthy in $took"; else fail "not healthy"; fi
  refuse "redis-cli without the password is refused" bash -c "docker exec $c redis-cli set k v | grep -q OK"
  expect "REDISCLI_AUTH=... redis-cli set/get" bash -c "
    docker exec -e REDISCLI_AUTH=s3cret $c redis-cli set k v | grep -q OK &&
    [ \"\$(docker exec -e REDISCLI_AUTH=s3cret $c redis-cli get k)\" = v ]"
  expect "redis-cli --rdb streams a snapshot that redis-check-rdb accepts" bash -c "
    docker exec -e REDISCLI_AUTH=s3cret $c sh -c 'redis-cli --rdb /tmp/s.rdb >/dev/null && redis-check-rdb /tmp/s.rdb' | grep -q 'RDB looks OK'"
  expect "the password is on no command line" bash -c "! docker exec $c sh -c 'cat /proc/[0-9]*/cmdline' | tr '\\0' ' ' | grep -q s3cret"
  expect "redis-server runs as redis (uid 999)" bash -c "[ \"\$(docker exec $c stat -c %u /proc/1)\" = 999 ]"
}

selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then selected=(helper tools postgres mariadb redis); fi
started="$(date +%s)"
for name in "${selected[@]}"; do
  case "$name" in
    helper|tools|postgres|mariadb|redis) "check_$name" ;;
    *) echo "check.sh: unknown image '$name'" >&2; exit 2 ;;
  esac
done
log "done in $(( $(date +%s) - started )) s: $failures failed"
[ "$failures" -eq 0 ]

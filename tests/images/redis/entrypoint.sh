#!/bin/sh
# Entrypoint of volume-agent-test/redis:7: like the official image's, it owns /data for the redis user and
# drops privileges before the server starts. Environment:
#   REDIS_PASSWORD   when set, the server requires it (requirepass); redis-cli reads it from REDISCLI_AUTH.
set -eu

if [ "${1:-}" = healthcheck ]; then
  if [ -n "${REDIS_PASSWORD:-}" ]; then export REDISCLI_AUTH="$REDIS_PASSWORD"; fi
  [ "$(redis-cli -h 127.0.0.1 ping)" = PONG ]
  exit 0
fi

if [ "${1:-}" = redis-server ]; then
  shift
  # The password goes into a config file only the server reads, never onto its command line.
  conf=/run/redis/redis.conf
  install -d -o redis -g redis -m 0700 /run/redis
  : > "$conf"
  if [ -n "${REDIS_PASSWORD:-}" ]; then
    printf 'requirepass "%s"\n' "$REDIS_PASSWORD" > "$conf"
  fi
  chown redis:redis "$conf"; chmod 0600 "$conf"
  set -- redis-server "$conf" --bind 0.0.0.0 --protected-mode no --dir /data "$@"
  if [ "$(id -u)" = 0 ]; then
    find /data \! -user redis -exec chown redis:redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi

exec "$@"

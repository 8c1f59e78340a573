#!/usr/bin/env bash
# Builds the container images the integration tests run against.
#
# No container registry is reachable where the tests run, so every image is made locally:
#   volume-agent-test/debian:bookworm   Debian bookworm minbase (debootstrap + docker import)
#   volume-agent-test/helper:busybox    FROM scratch + static busybox (stands in for Alpine)
#   volume-agent-test/tools:bookworm    Debian + sqlite3, zstd, pigz, tar, gzip
#   volume-agent-test/postgres:15       Debian's PostgreSQL 15, entrypoint like the official image
#   volume-agent-test/mariadb:10.11     Debian's MariaDB 10.11, entrypoint like the official image
#   volume-agent-test/redis:7           Debian's Redis 7.0, started like the official image
#   volume-agent-test/sshd:bookworm     Debian's OpenSSH server, one SFTP user (the sftp storage's tests)
#   volume-agent-test/restic:bookworm   Debian + restic (the helper image of the restic storage's tests)
#   volume-agent-test/restic-ssh:bookworm  Debian + restic + ssh (the restic storage's sftp: repository test)
#
# An image whose tag already exists is skipped, so re-runs take a second. Each image carries a
# label with a digest of its recipe (its folder here, plus the base image's id); when the recipe
# changed since the image was built, the image is rebuilt even without --force.
#
# Usage: bash tests/images/build.sh [--force] [debian|helper|tools|postgres|mariadb|redis|sshd|restic|restic-ssh]...
#   --force   rebuild the named images (all when none are named) even when they exist
# Environment:
#   DEBIAN_MIRROR            mirror for debootstrap and apt (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR   security mirror for apt (default http://deb.debian.org/debian-security)
#   PULL_TIMEOUT             seconds allowed for `docker pull debian:bookworm-slim` (default 20)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly PREFIX=volume-agent-test
readonly BASE_TAG="$PREFIX/debian:bookworm"
readonly HELPER_TAG="$PREFIX/helper:busybox"
readonly TOOLS_TAG="$PREFIX/tools:bookworm"
readonly POSTGRES_TAG="$PREFIX/postgres:15"
readonly MARIADB_TAG="$PREFIX/mariadb:10.11"
readonly REDIS_TAG="$PREFIX/redis:7"
readonly SSHD_TAG="$PREFIX/sshd:bookworm"
readonly RESTIC_TAG="$PREFIX/restic:bookworm"
readonly RESTIC_SSH_TAG="$PREFIX/restic-ssh:bookworm"
readonly RECIPE_LABEL=org.volume-agent-test.recipe
readonly ALL_IMAGES=(debian helper tools postgres mariadb redis sshd restic restic-ssh)

DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
PULL_TIMEOUT="${PULL_TIMEOUT:-20}"

# The engine here is 20.10 and the client has no buildx plugin: use the classic builder
# explicitly (with BuildKit requested, a client without buildx refuses to build).
export DOCKER_BUILDKIT=0

force=false
selected=()
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    debian|helper|tools|postgres|mariadb|redis|sshd|restic|restic-ssh) selected+=("$arg") ;;
    *) echo "build.sh: unknown argument '$arg' (see --help)" >&2; exit 2 ;;
  esac
done
if [ ${#selected[@]} -eq 0 ]; then selected=("${ALL_IMAGES[@]}"); fi

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

is_selected() {
  local name
  for name in "${selected[@]}"; do [ "$name" = "$1" ] && return 0; done
  return 1
}

image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

image_recipe() {
  docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true
}

# Digest of everything an image is made from: the files of its folder (names, contents, which
# are executable, symlink targets) and whatever extra strings are given (the base image's id,
# mirrors, a version of the recipe in this script). Only the executable bit counts among the
# modes, so checkouts made with different umasks agree.
recipe_digest() {
  local dir="$1"; shift
  {
    (
      cd "$dir"
      find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
      find . -type f -perm -u+x -print0 | LC_ALL=C sort -z | tr '\0' '\n'
      find . -type l -printf '%p -> %l\n' | LC_ALL=C sort
    )
    printf '%s\n' "$@"
  } | sha256sum | cut -c1-16
}

# up_to_date TAG DIGEST: true when TAG exists (and was built from DIGEST) and no rebuild was forced.
up_to_date() {
  local tag="$1" digest="$2" have
  [ -n "$(image_id "$tag")" ] || return 1
  if $force; then
    log "$tag exists; rebuilding (--force)"
    return 1
  fi
  have="$(image_recipe "$tag")"
  if [ -n "$have" ] && [ "$have" != "$digest" ]; then
    log "$tag exists but its recipe changed ($have -> $digest); rebuilding"
    return 1
  fi
  log "$tag exists; skipped"
  return 0
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Host tools the recipes need; installed from Debian's mirror when missing.
ensure_host_package() {
  local command="$1" package="$2"
  command -v "$command" >/dev/null 2>&1 && return 0
  [ -x "/usr/sbin/$command" ] && return 0
  log "installing host package $package (for $command)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >/dev/null 2>&1 || {
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package"
  }
}

# docker build with the classic builder; the build-arg BASE names the base image. With --force
# the layer cache is bypassed too, so apt fetches current packages.
build_dockerfile() {
  local tag="$1" dir="$2" digest="$3"; shift 3
  local cache=()
  if $force; then cache=(--no-cache); fi
  docker build --pull=false --rm --force-rm "${cache[@]}" \
    --label "$RECIPE_LABEL=$digest" \
    --tag "$tag" "$@" "$dir"
}

# Images a rebuild replaced, as "ID TAG"; removed at the end when nothing uses them any more.
replaced=()
remember_replaced() {
  local old
  old="$(image_id "$1")"
  if [ -n "$old" ]; then replaced+=("$old $1"); fi
}

# Drops the images rebuilds replaced (newest first, so children go before their base), unless
# they are still tagged or used by a container or a child image: those are left alone.
remove_replaced() {
  local i old tag
  for ((i = ${#replaced[@]} - 1; i >= 0; i--)); do
    read -r old tag <<<"${replaced[$i]}"
    [ "$old" != "$(image_id "$tag")" ] || continue
    if [ "$(docker image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null)" = 0 ] &&
      docker image rm "$old" >/dev/null 2>&1; then
      log "removed the replaced $tag image (${old#sha256:})"
    fi
  done
}

# --- volume-agent-test/debian:bookworm ---------------------------------------------------------

rootfs_dir=""
cleanup_rootfs() {
  [ -n "$rootfs_dir" ] && [ -d "$rootfs_dir" ] || return 0
  # debootstrap mounts proc/sys (and binds device files in containers) inside the target;
  # unmount whatever an interrupted run left, deepest first, before deleting anything.
  local mounts
  mounts="$(awk -v d="$rootfs_dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)"
  if [ -n "$mounts" ]; then
    while IFS= read -r m; do as_root umount -l "$m" || true; done <<<"$mounts"
  fi
  as_root rm -rf --one-file-system "$rootfs_dir"
  rootfs_dir=""
}
trap cleanup_rootfs EXIT
trap 'exit 130' INT TERM

# Files every copy of the base gets: apt sources (with updates and security), no service starts
# during builds, no docs/man pages/translations, no apt caches left in layers.
install_base_config() {
  local root="$1"
  as_root cp -R --no-preserve=ownership "$HERE/debian/rootfs/." "$root/"
  as_root find "$root/etc/apt/sources.list.d/debian.sources" "$root/etc/apt/apt.conf.d" \
    "$root/etc/dpkg/dpkg.cfg.d" -type f -exec chmod 0644 {} +
  as_root chmod 0755 "$root/usr/sbin/policy-rc.d"
  as_root sed -i \
    -e "s|^URIs: http://deb.debian.org/debian\$|URIs: $DEBIAN_MIRROR|" \
    -e "s|^URIs: http://deb.debian.org/debian-security\$|URIs: $DEBIAN_SECURITY_MIRROR|" \
    "$root/etc/apt/sources.list.d/debian.sources"
  as_root rm -f "$root/etc/apt/sources.list"
}

build_debian() {
  local digest started
  digest="$(recipe_digest "$HERE/debian" "debian-1" "$DEBIAN_MIRROR" "$DEBIAN_SECURITY_MIRROR")"
  up_to_date "$BASE_TAG" "$digest" && return 0
  remember_replaced "$BASE_TAG"
  started="$(now)"

  # A registry, where one is reachable, gives the same thing faster: Debian's official slim
  # image is made from debootstrap minbase too. Here none is, and the pull fails at once.
  log "trying docker pull debian:bookworm-slim (timeout ${PULL_TIMEOUT}s)"
  if timeout "$PULL_TIMEOUT" docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
    log "pulled debian:bookworm-slim; adding this project's apt/dpkg settings"
    local ctx
    ctx="$(mktemp -d)"
    cp -R "$HERE/debian/rootfs" "$ctx/rootfs"
    install_base_config "$ctx/rootfs"
    printf '%s\n' 'FROM debian:bookworm-slim' 'COPY rootfs/ /' > "$ctx/Dockerfile"
    build_dockerfile "$BASE_TAG" "$ctx" "$digest" || { rm -rf "$ctx"; return 1; }
    rm -rf "$ctx"
    log "built $BASE_TAG from debian:bookworm-slim in $(elapsed "$started")"
    return 0
  fi
  log "no registry reachable; building the base with debootstrap from $DEBIAN_MIRROR"

  ensure_host_package debootstrap debootstrap
  rootfs_dir="$(mktemp -d "${TMPDIR:-/var/tmp}/volume-agent-debootstrap.XXXXXX")"
  local t
  t="$(now)"
  as_root debootstrap --variant=minbase --components=main bookworm "$rootfs_dir" "$DEBIAN_MIRROR" \
    > "$rootfs_dir.log" 2>&1 || {
      echo "debootstrap failed; last lines of its log:" >&2
      tail -n 30 "$rootfs_dir.log" >&2
      rm -f "$rootfs_dir.log"
      return 1
    }
  rm -f "$rootfs_dir.log"
  log "debootstrap done in $(elapsed "$t")"

  install_base_config "$rootfs_dir"
  # What the official slim image also removes: docs, manuals, translations, apt lists and
  # caches, logs, and host files debootstrap copied in (the engine mounts its own).
  as_root find "$rootfs_dir/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
  as_root find "$rootfs_dir/usr/share/doc" -mindepth 1 -type d -empty -delete
  as_root rm -rf "$rootfs_dir"/usr/share/{man,info,groff,linda,locale}/* \
    "$rootfs_dir"/usr/share/lintian/overrides/* \
    "$rootfs_dir"/var/lib/apt/lists/* "$rootfs_dir"/var/cache/apt/* \
    "$rootfs_dir"/var/cache/debconf/*-old "$rootfs_dir"/var/lib/dpkg/*-old \
    "$rootfs_dir"/var/log/* "$rootfs_dir"/tmp/* "$rootfs_dir"/var/tmp/* \
    "$rootfs_dir"/dev/* "$rootfs_dir"/proc/* "$rootfs_dir"/sys/*
  as_root mkdir -p "$rootfs_dir/var/lib/apt/lists/partial"
  as_root rm -f "$rootfs_dir/etc/resolv.conf" "$rootfs_dir/etc/hostname"
  as_root truncate -s 0 "$rootfs_dir/etc/machine-id" 2>/dev/null || true

  t="$(now)"
  as_root tar -C "$rootfs_dir" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL $RECIPE_LABEL=$digest" \
    --change 'CMD ["bash"]' \
    --message "debootstrap --variant=minbase bookworm $DEBIAN_MIRROR" \
    - "$BASE_TAG" >/dev/null
  log "docker import done in $(elapsed "$t")"
  cleanup_rootfs
  log "built $BASE_TAG in $(elapsed "$started")"
}

# --- volume-agent-test/helper:busybox ----------------------------------------------------------

build_helper() {
  ensure_host_package busybox busybox-static
  local busybox
  busybox="$(command -v busybox)"
  # The image must run with nothing else in it: only a statically linked busybox will do.
  if ! file_is_static "$busybox"; then
    log "$busybox is not statically linked; installing busybox-static"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static
    busybox="$(command -v busybox)"
    file_is_static "$busybox" || { echo "no static busybox available" >&2; return 1; }
  fi

  local digest started ctx
  digest="$(recipe_digest "$HERE/helper" "helper-1" "$(sha256sum < "$busybox")")"
  up_to_date "$HELPER_TAG" "$digest" && return 0
  remember_replaced "$HELPER_TAG"
  started="$(now)"
  ctx="$(mktemp -d)"
  cp "$HERE/helper/Dockerfile" "$HERE/helper/passwd" "$HERE/helper/group" "$ctx/"
  cp "$busybox" "$ctx/busybox"
  chmod 0755 "$ctx/busybox"
  chmod 0644 "$ctx/passwd" "$ctx/group"
  log "building $HELPER_TAG ($("$busybox" | head -n 1))"
  build_dockerfile "$HELPER_TAG" "$ctx" "$digest" || { rm -rf "$ctx"; return 1; }
  rm -rf "$ctx"
  log "built $HELPER_TAG in $(elapsed "$started")"
}

# ldd (from libc-bin, always present) says "not a dynamic executable" for a static binary.
file_is_static() {
  ! ldd "$1" >/dev/null 2>&1
}

# --- images FROM the debian base ---------------------------------------------------------------

build_from_base() {
  local tag="$1" dir="$2" digest started
  digest="$(recipe_digest "$dir" "$(image_id "$BASE_TAG")")"
  up_to_date "$tag" "$digest" && return 0
  remember_replaced "$tag"
  started="$(now)"
  log "building $tag from $BASE_TAG"
  build_dockerfile "$tag" "$dir" "$digest" --build-arg "BASE=$BASE_TAG"
  log "built $tag in $(elapsed "$started")"
}

# --- main --------------------------------------------------------------------------------------

if ! command -v docker >/dev/null 2>&1; then
  echo "build.sh: the docker client is not installed (apt-get install docker.io)" >&2
  exit 1
fi
if ! timeout 20 docker info >/dev/null 2>&1; then
  echo "build.sh: the Docker engine does not answer (start dockerd; see .ci/run)" >&2
  exit 1
fi

total_started="$(now)"
needs_base=false
for name in "${selected[@]}"; do
  case "$name" in debian|tools|postgres|mariadb|redis|sshd|restic|restic-ssh) needs_base=true ;; esac
done
if is_selected debian; then
  build_debian
elif $needs_base && [ -z "$(image_id "$BASE_TAG")" ]; then
  force_saved=$force; force=false; build_debian; force=$force_saved
fi
if is_selected helper; then build_helper; fi
if is_selected tools; then build_from_base "$TOOLS_TAG" "$HERE/tools"; fi
if is_selected postgres; then build_from_base "$POSTGRES_TAG" "$HERE/postgres"; fi
if is_selected mariadb; then build_from_base "$MARIADB_TAG" "$HERE/mariadb"; fi
if is_selected redis; then build_from_base "$REDIS_TAG" "$HERE/redis"; fi
if is_selected sshd; then build_from_base "$SSHD_TAG" "$HERE/sshd"; fi
if is_selected restic; then build_from_base "$RESTIC_TAG" "$HERE/restic"; fi
if is_selected restic-ssh; then build_from_base "$RESTIC_SSH_TAG" "$HERE/restic-ssh"; fi
remove_replaced

log "images ready in $(elapsed "$total_started"):"
for name in "${selected[@]}"; do
  case "$name" in
    debian) tag="$BASE_TAG" ;; helper) tag="$HELPER_TAG" ;; tools) tag="$TOOLS_TAG" ;;
    postgres) tag="$POSTGRES_TAG" ;; mariadb) tag="$MARIADB_TAG" ;; redis) tag="$REDIS_TAG" ;;
    sshd) tag="$SSHD_TAG" ;; restic) tag="$RESTIC_TAG" ;; restic-ssh) tag="$RESTIC_SSH_TAG" ;;
  esac
  printf '  %-36s %s\n' "$tag" "$(docker image inspect --format '{{.Size}}' "$tag" |
    awk '{ printf "%.1f MB", $1 / 1000000 }')"
done

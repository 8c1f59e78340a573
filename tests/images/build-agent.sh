#!/usr/bin/env bash
# Builds the agent image from the repository's Dockerfile without a registry: the build stage and the
# runtime image both start FROM the local Debian base (volume-agent-test/debian:bookworm, made by
# build.sh), and the agent is published as a NativeAOT executable on the host (NuGet is reachable from
# the host only; the publish links with clang or gcc, which .ci/run installs) and copied in through the
# Dockerfile's PREBUILT argument.
#
# The image carries a label with a digest of everything it is made from (agent sources, build props,
# Dockerfile, .dockerignore, this script, the base image's id); an image whose digest matches is
# reused, so a second call takes a second.
#
# Usage: bash tests/images/build-agent.sh [--force] [TAG]     (TAG default volume-agent:test)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
readonly ROOT
readonly BASE=volume-agent-test/debian:bookworm
readonly RECIPE_LABEL=org.volume-agent-test.recipe
readonly PUBLISH_DIR=.artifacts/agent-image/publish
readonly RID=linux-x64

force=false
tag=volume-agent:test
for arg in "$@"; do
  case "$arg" in
    --force) force=true ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "build-agent.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    *) tag="$arg" ;;
  esac
done

log() { printf '[agent-image %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
image_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

cd "$ROOT"
started="$(now)"
if [ -z "$(image_id "$BASE")" ]; then
  log "$BASE is missing; building it"
  bash tests/images/build.sh debian
fi

# Digest of the recipe: every file the image is built from (git's view when available, so build
# outputs never count), plus the base image's id.
recipe_digest() {
  local inputs=(agent global.json Directory.Build.props Directory.Packages.props .editorconfig Dockerfile
    .dockerignore tests/images/build-agent.sh)
  {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      git ls-files -z --cached --others --exclude-standard -- "${inputs[@]}"
    else
      find "${inputs[@]}" -type f -not -path '*/bin/*' -not -path '*/obj/*' -print0
    fi | LC_ALL=C sort -z | xargs -0 -r sha256sum
    image_id "$BASE"
    echo "$RID"
  } | sha256sum | cut -c1-16
}
digest="$(recipe_digest)"

if ! $force && [ -n "$(image_id "$tag")" ]; then
  have="$(docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$tag" 2>/dev/null || true)"
  if [ "$have" = "$digest" ]; then
    log "$tag is up to date ($digest); skipped"
    exit 0
  fi
  log "$tag exists but its recipe changed (${have:-none} -> $digest); rebuilding"
fi

if ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then
  echo "build-agent.sh: the NativeAOT publish links with clang or gcc, and neither is on PATH (apt-get install -y gcc libc6-dev)" >&2
  exit 1
fi
log "dotnet publish ($RID, NativeAOT) into $PUBLISH_DIR"
t="$(now)"
rm -rf "$PUBLISH_DIR"
# A separate artifacts path keeps this publish's restore and obj files away from the checkout's own build.
DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish agent/VolumeAgent.csproj -c Release -r "$RID" --self-contained \
  --artifacts-path .artifacts/agent-image/build -p:PublishAot=true -p:DebugType=none -o "$PUBLISH_DIR" -v quiet -nologo
rm -f "$PUBLISH_DIR"/*.dbg
log "published in $(elapsed "$t"): $(stat -c %s "$PUBLISH_DIR/volume-agent" | awk '{ printf "%.1f MB", $1 / 1000000 }') executable"

old="$(image_id "$tag")"
log "docker build $tag FROM $BASE"
t="$(now)"
# The engine here has no BuildKit client plugin: the classic builder, which builds every stage and
# leaves the build stage's image behind untagged. Tagging that stage first lets it be removed after.
build() {
  DOCKER_BUILDKIT=0 docker build --pull=false --rm --force-rm -q \
    --build-arg "SDK_IMAGE=$BASE" --build-arg "RUNTIME_IMAGE=$BASE" --build-arg "PREBUILT=$PUBLISH_DIR" "$@" . \
    2> >(grep -v -e DEPRECATED -e 'BuildKit is currently disabled' -e 'environment-variable' -e '^$' >&2) >/dev/null
}
build_stage="$tag-build-stage"
build_stage="${build_stage//:/-}:tmp"
build --target build --tag "$build_stage"
build --label "$RECIPE_LABEL=$digest" --tag "$tag"
docker image rm "$build_stage" >/dev/null
log "built in $(elapsed "$t")"
rm -rf "$PUBLISH_DIR"

if [ -n "$old" ] && [ "$old" != "$(image_id "$tag")" ]; then
  docker image rm "$old" >/dev/null 2>&1 || true
fi
log "$tag ready in $(elapsed "$started"): $(docker image inspect --format '{{.Size}}' "$tag" | awk '{ printf "%.1f MB", $1 / 1000000 }')"

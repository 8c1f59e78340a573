# The volume-agent image.
#
#   docker build -t volume-agent .            with a registry at hand: .NET SDK and runtime-deps images
#   bash tests/images/build-agent.sh          offline (CI here): local Debian base, publish made on the host
#
# The agent is published as a NativeAOT executable (one file, no .NET runtime: it needs only libc and, for
# SHA-256, libssl), so any Debian or Ubuntu image with apt will do as RUNTIME_IMAGE.

# Image with the .NET 10 SDK, for the build stage. NativeAOT links with a C toolchain, which the plain SDK
# image lacks: its -aot variant (Ubuntu 24.04) carries clang. Another SDK image works too: the build stage
# installs clang with apt when it finds neither clang nor gcc.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble-aot
# Base of the final image (needs apt-get); .NET's runtime-deps is Ubuntu with what a self-contained app needs.
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0

FROM ${SDK_IMAGE} AS build
# Runtime identifier of the target: linux-x64 or linux-arm64.
ARG RID=linux-x64
# true: NativeAOT. false: ReadyToRun on the bundled runtime, for a target the build stage has no native
# toolchain for (NativeAOT does not cross-compile to another architecture without that architecture's
# sysroot; ReadyToRun does, from managed code alone). It starts slower (bench/RESULTS.md).
ARG AOT=true
# A folder of the build context holding a `dotnet publish` made outside the build (offline builds,
# where no NuGet is reachable from inside docker build); empty: publish here.
ARG PREBUILT=
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY agent/VolumeAgent.csproj agent/
RUN set -eu; \
    if [ -z "$PREBUILT" ]; then \
      if [ "$AOT" = true ] && ! command -v clang >/dev/null && ! command -v gcc >/dev/null; then \
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang; \
      fi; \
      dotnet restore agent/VolumeAgent.csproj -r "$RID" -p:PublishAot="$AOT"; \
    fi
COPY . .
RUN set -eu; \
    if [ -n "$PREBUILT" ]; then \
      if [ ! -x "$PREBUILT/volume-agent" ]; then echo "PREBUILT=$PREBUILT holds no volume-agent executable" >&2; exit 1; fi; \
      mkdir -p /out; cp -a "$PREBUILT/." /out/; \
    else \
      dotnet publish agent/VolumeAgent.csproj -c Release -r "$RID" --self-contained --no-restore -p:PublishAot="$AOT" -p:DebugType=none -o /out; \
    fi; \
    rm -f /out/*.pdb /out/*.dbg

FROM ${RUNTIME_IMAGE}
# tzdata: cron schedules in IANA time zones; libzstd1: zstd compression; ca-certificates: S3 over TLS;
# openssh-client: DOCKER_HOST=ssh:// (docs/engine.md).
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    apt-get update; \
    apt-get install -y --no-install-recommends tzdata ca-certificates libzstd1 restic openssh-client; \
    rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
COPY --from=build /out/ /opt/volume-agent/
# `docker exec agent run-now` works literally: each command is a two-line wrapper on PATH.
# No /backups in the image: a local storage's directory must be mounted, or runs fail (never fill the container's layer).
RUN set -eu; \
    ln -s /opt/volume-agent/volume-agent /usr/local/bin/volume-agent; \
    for command in run-now status list validate restore verify health prune sync; do \
      printf '#!/bin/sh\nexec volume-agent %s "$@"\n' "$command" > "/usr/local/bin/$command"; \
      chmod 0755 "/usr/local/bin/$command"; \
    done; \
    mkdir -p /etc/volume-agent /var/lib/volume-agent; \
    chmod 0700 /var/lib/volume-agent
# The GC's settings are built into the native binary (agent/VolumeAgent.csproj, AgentGcGen0Size).
ENV VOLUME_AGENT_CONFIG=/etc/volume-agent/backup.yml \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
# The agent's state (job locks, instance locks, status.json); keep it across container re-creation.
VOLUME /var/lib/volume-agent
# Unhealthy when the daemon does not answer on its control socket or a job's last run failed.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 CMD ["volume-agent", "health"]
# SIGTERM lets running jobs stop cleanly within --shutdown-grace (30 s): give `docker stop -t` / compose's
# stop_grace_period more than that.
STOPSIGNAL SIGTERM
CMD ["volume-agent", "daemon"]

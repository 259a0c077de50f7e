# shellcheck shell=bash
# Sourced by the scripts that build, bring clusters up or run checks against them; not run on its own.

# Where everything built goes, outside the repository: binaries keyed by version, root filesystems and build
# folders keyed by what goes into them, the clusters' state.
cache=${KUBIA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kubia-conformance}
bin=$cache/bin
rootfs_dir=$cache/kind/rootfs
build_dir=$cache/kind/build

# log MESSAGE: to stderr, prefixed with the calling script's name.
log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }

# pinned NAME VERSION: the cached binary of NAME built at VERSION (scripts/build-binaries).
pinned() { echo "$bin/$1-$2/$1"; }

# go_build_static DIR OUTPUT [GO BUILD FLAGS...]: a static, reproducible build of the Go program in DIR with the
# local toolchain (images/pause, images/kubia, runc-wrapper).
go_build_static() {
  local dir=$1 output=$2
  shift 2
  (cd "$dir" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go build -trimpath "$@" -o "$output" .)
}

# dispatch COMMAND [ARGS...]: runs the calling script's cmd_COMMAND function (the cluster scripts' up, down, status,
# env, ...), or prints the script's usage, the comment block at its top, and exits 2.
dispatch() {
  if [[ -n ${1:-} ]] && declare -F "cmd_$1" >/dev/null; then
    "cmd_$1" "${@:2}"
  else
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
  fi
}

# status_line COMPONENT STATE: one line of a cluster script's `status`.
status_line() { printf '%-28s %s\n' "$1" "$2"; }

# fail COMPONENT [LOGFILE]: the component that failed and the tail of its log, then exit.
fail() {
  log "FAILED: $1"
  if [[ -n "${2:-}" && -f "$2" ]]; then
    log "last lines of $2:"
    tail -n 25 "$2" >&2
  fi
  exit 1
}

# digest: the first 12 hex digits of the sha256 of standard input (a cache key).
digest() { sha256sum | cut -c1-12; }

# debian_mirror: $DEBIAN_MIRROR, else the first Debian archive this host's apt uses (deb822 sources or
# sources.list): debootstrap fetches from where apt does.
debian_mirror() {
  local found
  found=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '$1 == "URIs:" && $2 !~ /security/ {print $2; exit}')}
  [[ -n $found ]] || found=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [[ -n $found ]] || fail "no Debian archive in this host's apt sources: set DEBIAN_MIRROR"
  echo "$found"
}

# rootfs NAME PACKAGES: a cached tarball of a minbase Debian root filesystem (NODE_DEBIAN_SUITE, from versions.env)
# with PACKAGES, under $cache/kind/rootfs; prints its path. For the kind node image and the suite's image.
rootfs() {
  local name=$1 packages=$2 key tarball dir logfile
  mkdir -p "$rootfs_dir" "$build_dir"
  key=$(echo "$NODE_DEBIAN_SUITE $packages" | digest)
  tarball=$rootfs_dir/$name-$NODE_DEBIAN_SUITE-$key.tar
  if [[ ! -f $tarball ]]; then
    command -v debootstrap >/dev/null || {
      log "installing debootstrap from Debian"
      apt-get install -y -qq debootstrap >/dev/null
    }
    dir=$(mktemp -d "$build_dir/rootfs.XXXXXX")
    logfile=$rootfs_dir/$name.log
    log "$name root filesystem: debootstrap $NODE_DEBIAN_SUITE with $packages"
    debootstrap --variant=minbase --include="$packages" "$NODE_DEBIAN_SUITE" "$dir/root" \
      "$(debian_mirror)" >"$logfile" 2>&1 || fail "debootstrap of the $name root filesystem" "$logfile"
    # No package caches or docs in an image; apt lists are refetched by anyone who installs more.
    rm -rf "$dir/root/var/cache/apt/archives/"*.deb "$dir/root/var/lib/apt/lists/"* "$dir/root/usr/share/doc" \
      "$dir/root/usr/share/man" "$dir/root/usr/share/locale"
    tar -C "$dir/root" --numeric-owner -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$dir"
  fi
  echo "$tarball"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls a local process's health probe (these have no API to watch).
wait_for() {
  local what=$1 seconds=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
  log "$what: ready"
}

# use_cluster local-cluster|kind-cluster: brings that cluster up, building what is missing, and exports what its
# `env` prints (KUBECONFIG and KUBIA_DNS_SERVER, or KUBECONFIG, KUBIA_CONTEXT and KUBIA_IMAGE). If the cluster was
# down, it is taken down again when the calling script exits, whatever the outcome. A failed `up` stops the
# calling script (its own message names the component and shows its log).
use_cluster() {
  local cluster_script env_file
  cluster_script="$(dirname "${BASH_SOURCE[0]}")/$1"
  if ! "$cluster_script" status >/dev/null 2>&1; then
    # shellcheck disable=SC2064 # the path is fixed now, on purpose
    trap "'$cluster_script' down" EXIT
  fi
  env_file=$(mktemp)
  if ! "$cluster_script" up >"$env_file"; then
    rm -f "$env_file"
    exit 1
  fi
  set -a
  # shellcheck disable=SC1090
  source "$env_file"
  set +a
  rm -f "$env_file"
}

use_local_cluster() { use_cluster local-cluster; }

# ensure_chromium: Debian's Chromium, for the report's browser self-check, installed when missing.
ensure_chromium() {
  command -v chromium >/dev/null && return
  log "installing chromium from Debian (the report's browser self-check)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

# The xdist width for the suite on the local cluster. Its checks wait on the cluster, not on the CPU, so more
# workers than cores run faster: on 2 cores the 28 non-disruptive checks took 209 s at -n 2, 112 s at 4, 66 s at
# 8, 60-61 s at 12 and 57-59 s at 16, the sum of the checks' times growing 1.04x from 2 to 16 (scripts/bench,
# README). Each worker costs about 2 s of CPU to start (the kubernetes client's models), which wider runs lose.
# shellcheck disable=SC2034 # used by the scripts that source this file
local_width=16

# The xdist width for the suite on kind from this machine (scripts/run-kind; it was -n auto, 2 workers here). On 2
# cores kind itself is the limit: the 46 non-disruptive checks took 447 s at -n 8 (scripts/bench on kind, 92 % of
# their summed time the cluster converging) and 490 s at -n 4 (the Job, from inside); wider only queues more pods.
# shellcheck disable=SC2034 # used by the scripts that source this file
kind_width=8

# How many local clusters the whole-cluster self-checks run on side by side (scripts/test), each check on a cluster of
# its own: they wait on their cluster, not on the CPU (README, "How fast"). With the longest started first (the
# shipped durations), their 44 checks sum to about 29 min: about 6 min each on five.
# shellcheck disable=SC2034 # used by scripts/test
whole_cluster_width=5

# --- The Docker engine, shared by scripts/local-cluster and scripts/kind-cluster ---------------------------------
#
# Root's capability bounding set on some hosts (this one) lacks capabilities Docker grants privileged containers
# (here CAP_SYS_RESOURCE), and `docker run --privileged`, which kind always uses, then fails with "unable to apply
# caps". On such hosts the engine's default runtime is scripts/runc-wrapper, which drops what the host cannot grant
# and runs runc. A dockerd the scripts start gets it on its command line; one already running gets it in
# /etc/docker/daemon.json (saved first, restored by `restore_docker_runtime`) and a SIGHUP.

docker_runtime=kubia-runc

# host_lacks_capabilities: true when the bounding set misses a capability the kernel has.
host_lacks_capabilities() {
  local last mask
  last=$(cat /proc/sys/kernel/cap_last_cap)
  mask=$((16#$(sed -n 's/^CapBnd:\s*//p' /proc/self/status)))
  ((mask != (1 << (last + 1)) - 1))
}

# runc_wrapper: builds scripts/runc-wrapper (cached, keyed by its source) and prints its path.
runc_wrapper() {
  local src key out
  src="$(dirname "${BASH_SOURCE[0]}")/runc-wrapper"
  key=$(cat "$src"/go.mod "$src"/*.go | sha256sum | cut -c1-12)
  out=$bin/runc-wrapper-$key/runc-wrapper
  if [[ ! -x $out ]]; then
    mkdir -p "$(dirname "$out")"
    go_build_static "$src" "$out.tmp" || fail "runc-wrapper: go build in $src"
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# ensure_docker: installs docker.io from Debian if there is no engine, starts dockerd if none runs (recording its
# pid, so that the last `down` stops it), and makes sure privileged containers can run. dockerd gets a session of
# its own: a signal to the process group of the script that started it (a CI runner cancelling a step, a `kill --
# -PGID`) must not take the engine down under the other clusters' containers.
ensure_docker() {
  local marker=$cache/docker/started-by-scripts runtime_args=()
  mkdir -p "$cache/docker"
  if ! command -v dockerd >/dev/null; then
    [[ $(id -u) -eq 0 ]] || fail "docker: no Docker engine, and installing docker.io needs root"
    log "installing docker.io from Debian"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    if host_lacks_capabilities; then
      runtime_args=(--add-runtime "$docker_runtime=$(runc_wrapper)" --default-runtime "$docker_runtime")
    fi
    log "starting dockerd${runtime_args[*]:+ (default runtime: runc-wrapper, see scripts/lib.sh)}"
    setsid nohup dockerd "${runtime_args[@]}" >"$cache/docker/dockerd.log" 2>&1 </dev/null &
    echo $! >"$marker"
    wait_for dockerd 60 docker info || fail dockerd "$cache/docker/dockerd.log"
  fi
}

# ensure_privileged_docker: ensure_docker, and on a host that needs it, the wrapper as the default runtime of an
# engine the scripts did not start (daemon.json saved to $cache/docker/daemon.json.saved, then SIGHUP).
ensure_privileged_docker() {
  ensure_docker
  host_lacks_capabilities || return 0
  [[ $(docker info --format '{{.DefaultRuntime}}') == "$docker_runtime" ]] && return 0
  local config=/etc/docker/daemon.json saved=$cache/docker/daemon.json.saved wrapper pid
  wrapper=$(runc_wrapper)
  log "the running dockerd cannot start privileged containers here; making runc-wrapper its default runtime"
  if [[ ! -e $saved ]]; then
    if [[ -f $config ]]; then cp "$config" "$saved"; else echo absent >"$saved"; fi
  fi
  python3 - "$config" "$docker_runtime" "$wrapper" <<'PY'
import json, os, sys
path, name, wrapper = sys.argv[1:]
config = json.load(open(path)) if os.path.exists(path) else {}
config.setdefault("runtimes", {})[name] = {"path": wrapper}
config["default-runtime"] = name
os.makedirs(os.path.dirname(path), exist_ok=True)
json.dump(config, open(path, "w"), indent=2)
PY
  pid=$(pgrep -xo dockerd) || fail "dockerd: running, but no dockerd process to reload"
  kill -HUP "$pid"
  wait_for "dockerd default runtime" 30 docker_runtime_is "$docker_runtime" ||
    fail "dockerd did not take runc-wrapper as its default runtime after a reload" "$config"
}

docker_runtime_is() { [[ $(docker info --format '{{.DefaultRuntime}}') == "$1" ]]; }

# restore_docker_runtime: undoes ensure_privileged_docker's change, if it made one. A reload does not reset what the
# file no longer says, so the engine first reloads the saved configuration with its default runtime spelled out
# (runc when it named none); then the saved file itself is put back.
restore_docker_runtime() {
  local config=/etc/docker/daemon.json saved=$cache/docker/daemon.json.saved pid runtime
  [[ -f $saved ]] || return 0
  runtime=$(python3 - "$config" "$saved" <<'PY'
import json, sys
path, saved = sys.argv[1:]
text = open(saved).read()
config = {} if text.strip() == "absent" else json.loads(text)
config.setdefault("default-runtime", "runc")
json.dump(config, open(path, "w"), indent=2)
print(config["default-runtime"])
PY
  )
  if pid=$(pgrep -xo dockerd); then
    kill -HUP "$pid"
    wait_for "dockerd default runtime $runtime" 30 docker_runtime_is "$runtime" || log "dockerd kept its default runtime"
  fi
  if [[ $(cat "$saved") == absent ]]; then rm -f "$config"; else cp "$saved" "$config"; fi
  rm -f "$saved"
  log "dockerd: configuration restored"
}

# stop_docker: stops the Docker engine if one of the scripts started it (a marker holds its pid) and no container
# runs any more, and waits until it is gone.
stop_docker() {
  local marker=$cache/docker/started-by-scripts pid
  [[ -f "$marker" ]] || return 0
  pid=$(cat "$marker")
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
    if [[ -n $(docker ps -q 2>/dev/null) ]]; then
      log "dockerd left running: other containers still run"
      return 0
    fi
    kill "$pid"
    if timeout 60 tail --pid="$pid" -f /dev/null; then log "dockerd stopped"; else log "dockerd (pid $pid) did not stop in 60 s"; fi
  fi
  rm -f "$marker"
}

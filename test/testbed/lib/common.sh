# shellcheck shell=bash disable=SC2034
# Shared paths and helpers for the test bed. Sourced by testbed.sh; never run alone.
# Everything heavy lives outside the work tree so clones and CI runs share it.

: "${MULTIARCH_CACHE:=/var/cache/multiarch}"   # Go builds, binaries, rootfs tarballs
: "${MULTIARCH_STATE:=/var/lib/multiarch}"     # registry storage, credentials, engine state
: "${MULTIARCH_RUN:=/run/multiarch}"           # pid files of what `up` started
: "${MULTIARCH_LOGS:=/var/log/multiarch}"      # one log per service and per build step

# Other ports only for a second, private registry beside the shared bed (first-run.sh).
REGISTRY_PORT=${MULTIARCH_REGISTRY_PORT:-5000}
AUTH_REGISTRY_PORT=${MULTIARCH_AUTH_REGISTRY_PORT:-5001}
REGISTRY_ADDR="127.0.0.1:${REGISTRY_PORT}"
AUTH_REGISTRY_ADDR="127.0.0.1:${AUTH_REGISTRY_PORT}"
AUTH_CREDENTIALS_FILE="${MULTIARCH_STATE}/auth-registry/credentials.env"
# The same two registries on an address that module containers reach too (registry.sh says why).
REGISTRY_NET_IF=multiarch0
REGISTRY_NET_IP=10.86.0.1
TESTBED_REGISTRY_ADDR="${REGISTRY_NET_IP}:${REGISTRY_PORT}"
TESTBED_AUTH_REGISTRY_ADDR="${REGISTRY_NET_IP}:${AUTH_REGISTRY_PORT}"
ENGINE_SOCK="/run/dagger/engine.sock"

export DO_NOT_TRACK=1 DAGGER_NO_UPDATE_CHECK=1 DEBIAN_FRONTEND=noninteractive

mkdir -p "$MULTIARCH_CACHE" "$MULTIARCH_STATE" "$MULTIARCH_RUN" "$MULTIARCH_LOGS"

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf 'testbed: warning: %s\n' "$*" >&2; }
die() { printf 'testbed: error: %s\n' "$*" >&2; exit 1; }

# Print the last lines of a log and fail: a failed step always shows why.
die_with_log() {
  local log=$1; shift
  printf 'testbed: error: %s\n--- last 40 lines of %s ---\n' "$*" "$log" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

# apt-get install only what is missing; `apt-get update` at most once per `up`. Under a lock:
# `up` runs some steps in the background (phase_start), and dpkg allows one install at a time.
APT_UPDATED=0
need_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "Installing Debian packages: ${missing[*]}"
  (
    flock 9
    if [ "$APT_UPDATED" = 0 ]; then
      apt-get update -qq >"$MULTIARCH_LOGS/apt.log" 2>&1 || die_with_log "$MULTIARCH_LOGS/apt.log" "apt-get update failed"
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$MULTIARCH_LOGS/apt.log" 2>&1 \
      || die_with_log "$MULTIARCH_LOGS/apt.log" "apt-get install ${missing[*]} failed"
  ) 9>"$MULTIARCH_RUN/apt.lock"
  APT_UPDATED=1
}

# --- phases: what `up` spends its time on -------------------------------------
# `phase NAME CMD...` runs CMD and records its wall time and the CPU time it used (its own and
# its children's: on a shared machine the wall time says how busy the others were, the CPU time
# what the step costs); `phase_start NAME CMD...` runs it in the background (its output in a
# log) and `phase_wait NAME` collects it; `phase_report` prints every phase of this run in the
# order they ended.
PHASES=()
declare -A PHASE_PIDS=() PHASE_T0=()

_phase_now() { echo "${EPOCHREALTIME/,/.}"; }
_phase_since() { awk -v a="$1" -v b="$(_phase_now)" 'BEGIN { printf "%.1f", b - a }'; }
# CPU seconds shell PID and its waited-for children used so far (/proc/PID/stat fields 14-17).
# The caller passes its $BASHPID, read outside $(...): inside, it names the substitution.
_phase_cpu() {
  local stat
  stat=$(<"/proc/$1/stat")
  awk -v t="$(getconf CLK_TCK)" '{ printf "%.1f", ($12 + $13 + $14 + $15) / t }' <<<"${stat##*) }"
}

phase() {
  local name=$1 me=$BASHPID t0 c0
  shift
  t0=$(_phase_now) c0=$(_phase_cpu "$me")
  "$@"
  _phase_record "$name" "$(_phase_since "$t0")" \
    "$(awk -v a="$c0" -v b="$(_phase_cpu "$me")" 'BEGIN { printf "%.1f", b - a }')"
}

# Shown as each phase ends too: a run stopped midway still says what its phases cost.
_phase_record() {
  PHASES+=("$(printf '%-22s %7s s wall %7s s CPU%s' "$1" "$2" "$3" "${4:+  ($4)}")")
  info "phase ${PHASES[-1]}"
}

phase_start() {
  local name=$1 log="$MULTIARCH_LOGS/phase-$1.log"
  shift
  PHASE_T0[$name]=$(_phase_now)
  : >"$log"
  info "$name: in the background (log: $log)"
  # The job's last line is its CPU time, for phase_wait.
  (
    me=$BASHPID
    "$@" && echo "phase-cpu $(_phase_cpu "$me")"
  ) >>"$log" 2>&1 &
  PHASE_PIDS[$name]=$!
}

# Wait for a background phase; its output is shown either way, and its failure stops `up`.
phase_wait() {
  local name=$1 log="$MULTIARCH_LOGS/phase-$1.log"
  if ! wait "${PHASE_PIDS[$name]}"; then
    printf 'testbed: error: %s failed\n--- %s ---\n' "$name" "$log" >&2
    tail -n 60 "$log" >&2
    exit 1
  fi
  { grep -v '^phase-cpu ' "$log" || true; } | sed 's/^/    ['"$name"'] /' >&2
  _phase_record "$name" "$(_phase_since "${PHASE_T0[$name]}")" \
    "$(sed -n 's/^phase-cpu //p' "$log" | tail -n 1)" "in the background"
}

phase_report() {
  local p
  [ ${#PHASES[@]} -gt 0 ] || return 0
  step "Phases (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs)"
  for p in "${PHASES[@]}"; do info "$p"; done
}

# Require N GiB free where DIR lives before a step that writes a lot.
need_disk() {
  local dir=$1 gib=$2 avail
  mkdir -p "$dir"
  avail=$(df -Pk "$dir" | awk 'NR==2 {print int($4/1048576)}')
  [ "$avail" -ge "$gib" ] || die "not enough disk under $dir: ${avail} GiB free, ${gib} GiB needed. Free some space (or set MULTIARCH_CACHE/MULTIARCH_STATE elsewhere) and retry."
}

# A pid file names a process that `up` started; alive means it still runs.
pid_alive() {
  local f="$MULTIARCH_RUN/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# Wait up to SECONDS for COMMAND to succeed.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.25
  done
}

# Is something already listening on this TCP port of 127.0.0.1?
port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

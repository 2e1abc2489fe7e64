# shellcheck shell=bash
# Two more Dagger engines beside the main one, each as if on its own host: a network namespace
# of its own (ip netns + a veth pair to the host), its own address, reached over tcp://. The
# engine tests route platforms to them (issue 15: one engine per architecture). Sourced by
# testbed.sh after engine.sh and registry.sh (it runs the same binaries as the main engine).
#
# Addresses (none collide with the main engine's bridge, 10.87.0.0/16, or the registries' link,
# 10.86.0.0/30):
#   engine-N  link 10.88.N.0/30: host end 10.88.N.1 ($EXTRA_ENGINE_IF_PREFIX-N), engine 10.88.N.2
#             listening on tcp://10.88.N.2:1234
#             container bridge dagger-N, 10.9N.0.0/16 (inside its namespace; distinct anyway, so
#             that the CNI state kept on the host per network name never mixes)
# An engine pulls and pushes from its own namespace, where 127.0.0.1 is its own loopback: socat
# there forwards 127.0.0.1:5000/5001 to the registries' 10.86.0.1 address, so image references
# and the engine config (/etc/dagger/engine.json, shared: the engine reads only that path) mean
# the same registries on every engine. QEMU's binfmt handlers are kernel-wide: all engines
# emulate the same platforms.

EXTRA_ENGINES=(2 3)
EXTRA_ENGINE_PORT=1234

_xe_netns() { echo "multiarch-engine-$1"; }
_xe_if() { echo "maeng$1"; } # host end; the namespace end is "${if}p"
_xe_host_ip() { echo "10.88.$1.1"; }
_xe_ip() { echo "10.88.$1.2"; }
_xe_cidr() { echo "10.9$1.0.0/16"; }
_xe_state() { echo "$MULTIARCH_STATE/engine-$1"; }
_xe_log() { echo "$MULTIARCH_LOGS/engine-$1.log"; }
_xe_config() { echo "$MULTIARCH_STATE/engine-$1.toml"; }
_xe_runner_host() { echo "tcp://$(_xe_ip "$1"):$EXTRA_ENGINE_PORT"; }

# Runner hosts of the extra engines, space-separated (TESTBED_ENGINES).
extra_engine_runner_hosts() {
  local n out=()
  for n in "${EXTRA_ENGINES[@]}"; do out+=("$(_xe_runner_host "$n")"); done
  echo "${out[*]}"
}

extra_engines_up() {
  local n
  for n in "${EXTRA_ENGINES[@]}"; do
    _xe_net_up "$n"
    _xe_forward_up "$n"
    _xe_start "$n"
  done
}

extra_engines_status() {
  local n rc=0 v
  for n in "${EXTRA_ENGINES[@]}"; do
    if _xe_is_ours "$n" && v=$(_xe_query_version "$n") && [ -n "$v" ]; then
      echo "engine-$n:   $v on $(_xe_runner_host "$n") (netns $(_xe_netns "$n"), pid $(cat "$MULTIARCH_RUN/engine-$n.pid"); log: $(_xe_log "$n"))"
    else
      echo "engine-$n:   DOWN at $(_xe_runner_host "$n") (log: $(_xe_log "$n"))"
      rc=1
    fi
  done
  return "$rc"
}

extra_engines_down() {
  local n
  for n in "${EXTRA_ENGINES[@]}"; do
    _xe_stop "$n"
    _xe_forward_stop "$n" 5000
    _xe_forward_stop "$n" 5001
    if ip link show "$(_xe_if "$n")" >/dev/null 2>&1; then ip link del "$(_xe_if "$n")"; fi
    if [ -e "/run/netns/$(_xe_netns "$n")" ]; then ip netns del "$(_xe_netns "$n")"; fi
  done
}

# --- internals ---------------------------------------------------------------

_xe_net_up() {
  local n=$1 ns if
  ns=$(_xe_netns "$n") if=$(_xe_if "$n")
  if [ ! -e "/run/netns/$ns" ]; then
    ip netns add "$ns" || die "cannot create the network namespace $ns (ip netns add)"
  fi
  if ! ip link show "$if" >/dev/null 2>&1; then
    ip link add "$if" type veth peer name "${if}p" netns "$ns" || die "cannot create the veth pair $if / ${if}p"
  fi
  if ! ip -4 addr show dev "$if" | grep -q "inet $(_xe_host_ip "$n")/"; then
    ip addr add "$(_xe_host_ip "$n")/30" dev "$if" || die "cannot give $if the address $(_xe_host_ip "$n")"
  fi
  if ! ip -n "$ns" -4 addr show dev "${if}p" | grep -q "inet $(_xe_ip "$n")/"; then
    ip -n "$ns" addr add "$(_xe_ip "$n")/30" dev "${if}p"
  fi
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "${if}p" up
  ip link set "$if" up
  # Everything else (the registries' 10.86.0.1) through the host, which owns that address.
  ip -n "$ns" route replace default via "$(_xe_host_ip "$n")"
}

_xe_forward_pidfile() { echo "$MULTIARCH_RUN/engine-$1-forward-$2.pid"; }

_xe_forward_is_ours() {
  local f pid
  f=$(_xe_forward_pidfile "$1" "$2")
  [ -f "$f" ] && pid=$(cat "$f") && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "TCP:$REGISTRY_NET_IP:$2"
}

# 127.0.0.1:PORT in the engine's namespace → the registry at 10.86.0.1:PORT.
_xe_forward_up() {
  local n=$1 port pidfile
  for port in "$REGISTRY_PORT" "$AUTH_REGISTRY_PORT"; do
    _xe_forward_is_ours "$n" "$port" && continue
    pidfile=$(_xe_forward_pidfile "$n" "$port")
    (
      # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
      setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        ip netns exec "$(_xe_netns "$n")" sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$pidfile" \
        socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "TCP:$REGISTRY_NET_IP:$port" \
        </dev/null >>"$MULTIARCH_LOGS/engine-$n-forward.log" 2>&1 &
    )
    wait_for 10 _xe_forward_is_ours "$n" "$port" || die "the registry forward 127.0.0.1:$port in $(_xe_netns "$n") did not start"
  done
}

_xe_forward_stop() {
  local f
  f=$(_xe_forward_pidfile "$1" "$2")
  if _xe_forward_is_ours "$1" "$2"; then kill "$(cat "$f")" 2>/dev/null || true; fi
  rm -f "$f"
}

# A live pid is only ours if it is tini running an engine with our state dir.
_xe_is_ours() {
  local pid
  pid_alive "engine-$1" || return 1
  pid=$(cat "$MULTIARCH_RUN/engine-$1.pid")
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--root $(_xe_state "$1")"
}

_xe_query_version() {
  local out
  out=$(echo '{ version }' | timeout 20 env _EXPERIMENTAL_DAGGER_RUNNER_HOST="$(_xe_runner_host "$1")" \
    DAGGER_PROGRESS=plain "$ENGINE_BIN_DIR/dagger" query --no-mod 2>/dev/null) || return 1
  printf '%s' "$out" | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p'
}

_xe_start() {
  local n=$1 log state cfg pidfile
  log=$(_xe_log "$n") state=$(_xe_state "$n") cfg=$(_xe_config "$n") pidfile="$MULTIARCH_RUN/engine-$n.pid"
  if _xe_is_ours "$n"; then
    info "engine-$n already running on $(_xe_runner_host "$n") (pid $(cat "$pidfile"))"
    return 0
  fi
  rm -f "$pidfile"
  mkdir -p "$state"
  need_disk "$state" 3
  printf 'root = "%s"\n[grpc]\n  address = ["%s"]\n' "$state" "$(_xe_runner_host "$n")" >"$cfg"
  step "Starting engine-$n on $(_xe_runner_host "$n") (network namespace $(_xe_netns "$n"))"
  : >"$log"
  # As the main engine (engine.sh): a private mount namespace, tini reaping; here also inside
  # the engine's network namespace, with a container network of its own name and range.
  # nsenter, not `ip netns exec`: that remounts /sys, which hides the host's cgroup mounts
  # from runc ("no cgroup mount found in mountinfo").
  # The engine listens on its default sockets too (unix:///run/dagger/engine.sock and
  # /run/buildkit/buildkitd.sock: its --addr flag adds to them, it does not replace them), which
  # would take the main engine's socket path: here they are on a tmpfs of this namespace only.
  (
    ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true
    # shellcheck disable=SC2016 # $@ belongs to the inner sh
    exec setsid nsenter --net="/run/netns/$(_xe_netns "$n")" unshare --mount --propagation private -- \
      sh -c 'mkdir -p /run/dagger /run/buildkit && mount -t tmpfs tmpfs /run/dagger && mount -t tmpfs tmpfs /run/buildkit && exec "$@"' sh \
      /usr/bin/tini -s -- "$ENGINE_BIN_DIR/dagger-engine" --config "$cfg" --root "$state" \
      --addr "$(_xe_runner_host "$n")" --network-name "dagger$n" --network-cidr "$(_xe_cidr "$n")" \
      </dev/null >>"$log" 2>&1
  ) &
  echo $! >"$pidfile"
  local deadline=$((SECONDS + 120))
  until [ -n "$(_xe_query_version "$n")" ]; do
    pid_alive "engine-$n" || die_with_log "$log" "engine-$n exited during start-up"
    [ "$SECONDS" -lt "$deadline" ] || die_with_log "$log" "engine-$n did not answer a query within 120 s"
    sleep 1
  done
  info "engine-$n $(_xe_query_version "$n") answers on $(_xe_runner_host "$n") (log: $log)"
}

# As engine_down: TERM tini and the engine, KILL what is left after 60 s.
_xe_stop() {
  local n=$1 pid pids i p alive=""
  if ! _xe_is_ours "$n"; then
    rm -f "$MULTIARCH_RUN/engine-$n.pid"
    return 0
  fi
  pid=$(cat "$MULTIARCH_RUN/engine-$n.pid")
  pids="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
  info "stopping engine-$n (pids $pids)"
  # shellcheck disable=SC2086 # a list of pids
  kill -TERM $pids 2>/dev/null || true
  for ((i = 1; i <= 120; i++)); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    # shellcheck disable=SC2086
    if ((i == 20 || i == 30)); then kill -TERM $alive 2>/dev/null || true; fi
    sleep 0.5
  done
  # shellcheck disable=SC2086
  if [ -n "$alive" ]; then kill -KILL $alive 2>/dev/null || true; fi
  rm -f "$MULTIARCH_RUN/engine-$n.pid"
}

# shellcheck shell=bash
# Two local OCI registries for the tests, both from Debian's docker-registry
# (distribution 2.8): a plain one on $REGISTRY_ADDR and one behind htpasswd
# basic auth on $AUTH_REGISTRY_ADDR. Sourced by testbed.sh after common.sh.
#
# We run the binary ourselves with our own config files instead of the
# package's service: Debian's config asks for htpasswd auth and listens on
# every interface, and the test bed must only touch 127.0.0.1 (and the address
# made for module containers, at the end of this file).

AUTH_REGISTRY_USER=multiarch
REGISTRY_PACKAGES=(docker-registry apache2-utils curl iproute2 socat)
REGISTRY_CONFIG_DIR="$MULTIARCH_STATE/registry-config"
AUTH_HTPASSWD_FILE="$(dirname "$AUTH_CREDENTIALS_FILE")/htpasswd"

# Start both registries unless they already run; safe to call on every `up`.
registry_up() {
  need_packages "${REGISTRY_PACKAGES[@]}"
  _registry_stop_debian_service
  _registry_auth_files
  _registry_write_config plain "$REGISTRY_ADDR" ""
  _registry_write_config auth "$AUTH_REGISTRY_ADDR" "$AUTH_HTPASSWD_FILE"
  _registry_start plain "$REGISTRY_PORT" 200
  _registry_start auth "$AUTH_REGISTRY_PORT" 401
  _registry_check_credentials
  _registry_net_up
  _registry_forward_start plain "$REGISTRY_PORT" 200
  _registry_forward_start auth "$AUTH_REGISTRY_PORT" 401
}

# One line per registry; non-zero when either is down.
registry_status() {
  local rc=0 name port code state
  for name in plain auth; do
    read -r port code <<<"$(_registry_port_code "$name")"
    if _registry_is_ours "$name" && _registry_answers "$port" "$code"; then
      state=up
    else
      state=down rc=1
    fi
    printf '%-16s 127.0.0.1:%-6s %-5s log: %s\n' "registry-$name" "$port" "$state" \
      "$MULTIARCH_LOGS/registry-$name.log"
    if _registry_forward_is_ours "$name" && _registry_answers "$port" "$code" "$REGISTRY_NET_IP"; then
      state=up
    else
      state=down rc=1
    fi
    printf '%-16s %s:%-6s %-5s (forwarded to 127.0.0.1:%s, for module containers)\n' "registry-$name" \
      "$REGISTRY_NET_IP" "$port" "$state" "$port"
  done
  return "$rc"
}

# Stop only what registry_up started (the recorded pids).
registry_down() {
  _registry_forward_stop plain
  _registry_forward_stop auth
  _registry_stop plain
  _registry_stop auth
  if ip link show "$REGISTRY_NET_IF" >/dev/null 2>&1; then
    ip link del "$REGISTRY_NET_IF" && info "removed $REGISTRY_NET_IF ($REGISTRY_NET_IP)"
  fi
  if [ -e "/run/netns/$REGISTRY_NETNS" ]; then ip netns del "$REGISTRY_NETNS"; fi
}

# --- internals ---------------------------------------------------------------

# Port and the /v2/ status code that means "up" (auth answers 401 to strangers).
_registry_port_code() {
  case $1 in
    plain) echo "$REGISTRY_PORT 200" ;;
    auth) echo "$AUTH_REGISTRY_PORT 401" ;;
  esac
}

_registry_config() { echo "$REGISTRY_CONFIG_DIR/$1.yml"; }

# HTTP status of /v2/ on PORT (of IP, default 127.0.0.1), or 000 when nothing answers.
_registry_v2_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://${2:-127.0.0.1}:$1/v2/" || true
}

_registry_answers() { [ "$(_registry_v2_code "$1" "${3:-}")" = "$2" ]; }

# A live pid is only ours if it is a registry serving our config: pid files
# can outlive their process (and the pid be reused) after a crash.
_registry_is_ours() {
  local pid
  pid_alive "registry-$1" || return 1
  pid=$(cat "$MULTIARCH_RUN/registry-$1.pid")
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "serve $(_registry_config "$1")"
}

# Debian's package ships a service with its own config on :5000. It must not
# run (now or after a reboot), or it takes the plain registry's port. In
# containers policy-rc.d usually keeps it from starting, but not everywhere.
_registry_stop_debian_service() {
  local pidfile=/var/run/docker-registry.pid
  if [ -d /run/systemd/system ]; then
    if systemctl is-active --quiet docker-registry.service; then
      info "stopping Debian's docker-registry service (it listens on :5000)"
      systemctl stop docker-registry.service
    fi
    if systemctl is-enabled --quiet docker-registry.service 2>/dev/null; then
      systemctl disable --quiet docker-registry.service
    fi
  fi
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    info "stopping Debian's docker-registry init script service (it listens on :5000)"
    /etc/init.d/docker-registry stop >/dev/null 2>&1 || warn "could not stop Debian's docker-registry service"
    # The init script does not wait; the port must be free before we bind it.
    wait_for 10 _registry_gone "$(cat "$pidfile")" || true
  fi
  if compgen -G '/etc/rc[2345].d/S*docker-registry' >/dev/null; then
    update-rc.d docker-registry disable >/dev/null 2>&1 || warn "could not disable Debian's docker-registry init script"
  fi
}

# Credentials are made once and then kept, so clients configured earlier (and
# the lead's tests) keep working across downs and ups.
_registry_auth_files() {
  local dir password
  dir=$(dirname "$AUTH_CREDENTIALS_FILE")
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [ ! -s "$AUTH_CREDENTIALS_FILE" ]; then
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    (
      umask 077
      printf 'MULTIARCH_AUTH_REGISTRY=%s\nMULTIARCH_AUTH_USERNAME=%s\nMULTIARCH_AUTH_PASSWORD=%s\n' \
        "$AUTH_REGISTRY_ADDR" "$AUTH_REGISTRY_USER" "$password" >"$AUTH_CREDENTIALS_FILE.tmp"
    )
    mv "$AUTH_CREDENTIALS_FILE.tmp" "$AUTH_CREDENTIALS_FILE"
    rm -f "$AUTH_HTPASSWD_FILE" # its hash belongs to a password nobody knows any more
    info "generated credentials for $AUTH_REGISTRY_ADDR in $AUTH_CREDENTIALS_FILE"
  fi
  chmod 600 "$AUTH_CREDENTIALS_FILE"
  if [ ! -s "$AUTH_HTPASSWD_FILE" ]; then
    # -i reads the password from stdin: it never appears in ps or a log.
    (umask 077 && _registry_credential PASSWORD |
      htpasswd -B -i -c "$AUTH_HTPASSWD_FILE" "$(_registry_credential USERNAME)" >/dev/null 2>&1) ||
      die "htpasswd could not write $AUTH_HTPASSWD_FILE"
  fi
}

# Read one MULTIARCH_AUTH_<KEY> value without sourcing the file into the caller.
_registry_credential() {
  sed -n "s/^MULTIARCH_AUTH_$1=//p" "$AUTH_CREDENTIALS_FILE"
}

# Our config, rewritten on each up so a changed test bed takes effect at the
# next restart. No reporting (bugsnag/newrelic), no notification endpoints and
# no debug listener: the test bed must stay quiet and on 127.0.0.1.
_registry_write_config() {
  local name=$1 addr=$2 htpasswd=$3 cfg
  cfg=$(_registry_config "$name")
  mkdir -p "$REGISTRY_CONFIG_DIR" "$MULTIARCH_STATE/registry-$name"
  {
    cat <<EOF
# Written by the multiarch test bed (test/testbed/lib/registry.sh); edits are overwritten.
version: 0.1
log:
  level: info
  formatter: text
  fields:
    service: multiarch-registry-$name
storage:
  filesystem:
    rootdirectory: $MULTIARCH_STATE/registry-$name
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $addr
  headers:
    X-Content-Type-Options: [nosniff]
notifications:
  endpoints: []
EOF
    if [ -n "$htpasswd" ]; then
      cat <<EOF
auth:
  htpasswd:
    realm: multiarch-testbed
    path: $htpasswd
EOF
    fi
  } >"$cfg.tmp"
  mv "$cfg.tmp" "$cfg"
}

# Start one registry in its own session, detached from the caller's shell
# (the outer subshell exits at once, so a later `wait` in testbed.sh never
# blocks on it). The child writes its own pid, so the pid file is right even
# if setsid had to fork. `env -i` keeps REGISTRY_* variables of the caller
# from overriding the config.
_registry_start() {
  local name=$1 port=$2 code=$3 cfg log pidfile i
  cfg=$(_registry_config "$name")
  log="$MULTIARCH_LOGS/registry-$name.log"
  pidfile="$MULTIARCH_RUN/registry-$name.pid"
  if _registry_is_ours "$name"; then
    wait_for 10 _registry_answers "$port" "$code" ||
      die_with_log "$log" "registry-$name (pid $(cat "$pidfile")) runs but http://127.0.0.1:$port/v2/ does not answer $code"
    info "registry-$name already up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    return 0
  fi
  rm -f "$pidfile"
  if port_in_use "$port"; then
    die "port $port is taken by a process the test bed did not start: $(ss -Hltnp "sport = :$port" | sed 's/  */ /g'). Stop it and retry."
  fi
  printf '\n--- %s starting registry-%s\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
  (
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
    setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$pidfile" \
      /usr/bin/docker-registry serve "$cfg" </dev/null >>"$log" 2>&1 &
  )
  # Fail fast if it dies (bad config, port race) instead of waiting it out.
  for ((i = 0; i < 120; i++)); do
    if [ -s "$pidfile" ] && ! pid_alive "registry-$name"; then
      die_with_log "$log" "registry-$name exited right after start"
    fi
    _registry_answers "$port" "$code" && break
    sleep 0.25
  done
  _registry_answers "$port" "$code" ||
    die_with_log "$log" "registry-$name did not answer $code on http://127.0.0.1:$port/v2/ within 30s"
  info "registry-$name up on 127.0.0.1:$port (pid $(cat "$pidfile"), log $log)"
}

# The stored password must open the auth registry, or every auth test fails
# later with a confusing 401. curl reads the user from stdin (-K -) so the
# password stays out of ps.
_registry_check_credentials() {
  local code
  code=$(printf 'user = "%s:%s"\n' "$(_registry_credential USERNAME)" "$(_registry_credential PASSWORD)" |
    curl -s -K - -o /dev/null -w '%{http_code}' --max-time 5 "http://$AUTH_REGISTRY_ADDR/v2/" || true)
  [ "$code" = 200 ] ||
    die "the credentials in $AUTH_CREDENTIALS_FILE do not open $AUTH_REGISTRY_ADDR (HTTP $code). Remove $(dirname "$AUTH_CREDENTIALS_FILE") and run registry_down/up to regenerate them."
}

# TERM, then KILL after 10s; a pid that is no longer our registry is left alone.
_registry_stop() {
  local name=$1 pidfile pid
  pidfile="$MULTIARCH_RUN/registry-$name.pid"
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if _registry_is_ours "$name"; then
    kill "$pid" 2>/dev/null || true
    wait_for 10 _registry_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
    info "registry-$name stopped (pid $pid)"
  fi
  rm -f "$pidfile"
}

_registry_gone() { ! kill -0 "$1" 2>/dev/null; }

# --- the address module containers reach ----------------------------------------
# A module's code runs in a container on the engine's bridge (10.87.0.0/16), where 127.0.0.1
# is the container itself, while the engine pulls and pushes from the host. Both reach an
# address of the host other than loopback: containers through their default route (the host,
# via the bridge), which the host delivers locally. The bridge's own host address (10.87.0.1)
# would do, but CNI creates it only when the engine starts its first container, and it would
# vanish with the engine. So the bed makes an address of its own that exists before the engine
# starts: the host end of a veth pair, $REGISTRY_NET_IF ($REGISTRY_NET_IP/30), whose other end
# sits in a network namespace the bed creates ($REGISTRY_NETNS, 10.86.0.2; a veth carries
# traffic only while both ends are up). Nothing is routed off this machine, and the address is
# outside the engine's network. (A dummy interface would be simpler, but this kernel has no
# dummy driver.) The registries keep listening on 127.0.0.1 only (everything else uses those);
# socat forwards $REGISTRY_NET_IP:PORT to them, so each registry keeps one process and storage.

REGISTRY_NETNS=multiarch-registry

_registry_net_up() {
  need_packages socat iproute2
  if [ ! -e "/run/netns/$REGISTRY_NETNS" ]; then
    ip netns add "$REGISTRY_NETNS" || die "cannot create the network namespace $REGISTRY_NETNS (ip netns add)"
  fi
  if ! ip link show "$REGISTRY_NET_IF" >/dev/null 2>&1; then
    ip link add "$REGISTRY_NET_IF" type veth peer name "${REGISTRY_NET_IF}p" netns "$REGISTRY_NETNS" ||
      die "cannot create the veth pair $REGISTRY_NET_IF / ${REGISTRY_NET_IF}p"
  fi
  if ! ip -4 addr show dev "$REGISTRY_NET_IF" | grep -q "inet $REGISTRY_NET_IP/"; then
    ip addr add "$REGISTRY_NET_IP/30" dev "$REGISTRY_NET_IF" ||
      die "cannot give $REGISTRY_NET_IF the address $REGISTRY_NET_IP"
  fi
  if ! ip -n "$REGISTRY_NETNS" -4 addr show dev "${REGISTRY_NET_IF}p" | grep -q "inet ${REGISTRY_NET_IP%.*}.2/"; then
    ip -n "$REGISTRY_NETNS" addr add "${REGISTRY_NET_IP%.*}.2/30" dev "${REGISTRY_NET_IF}p"
  fi
  ip -n "$REGISTRY_NETNS" link set "${REGISTRY_NET_IF}p" up
  ip link set "$REGISTRY_NET_IF" up
}

_registry_forward_is_ours() {
  local pid
  pid_alive "forward-$1" || return 1
  pid=$(cat "$MULTIARCH_RUN/forward-$1.pid")
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "bind=$REGISTRY_NET_IP"
}

_registry_forward_start() {
  local name=$1 port=$2 code=$3 log="$MULTIARCH_LOGS/forward-$1.log" pidfile="$MULTIARCH_RUN/forward-$1.pid" i
  if _registry_forward_is_ours "$name" && _registry_answers "$port" "$code" "$REGISTRY_NET_IP"; then
    info "registry-$name already forwarded from $REGISTRY_NET_IP:$port (pid $(cat "$pidfile"))"
    return 0
  fi
  _registry_forward_stop "$name"
  if ss -Hltn "sport = :$port" | awk '{print $4}' | grep -qE "^($REGISTRY_NET_IP|0\.0\.0\.0|\*|\[::\]):$port\$"; then
    die "$REGISTRY_NET_IP:$port is taken by a process the test bed did not start: $(ss -Hltnp "sport = :$port" | sed 's/  */ /g'). Stop it and retry."
  fi
  (
    # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
    setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$pidfile" \
      socat "TCP-LISTEN:$port,bind=$REGISTRY_NET_IP,reuseaddr,fork" "TCP:127.0.0.1:$port" </dev/null >>"$log" 2>&1 &
  )
  for ((i = 0; i < 40; i++)); do
    _registry_answers "$port" "$code" "$REGISTRY_NET_IP" && break
    sleep 0.25
  done
  _registry_answers "$port" "$code" "$REGISTRY_NET_IP" ||
    die_with_log "$log" "registry-$name does not answer $code on http://$REGISTRY_NET_IP:$port/v2/ through socat"
  info "registry-$name also on $REGISTRY_NET_IP:$port (socat pid $(cat "$pidfile"))"
}

_registry_forward_stop() {
  local pidfile="$MULTIARCH_RUN/forward-$1.pid" pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if _registry_forward_is_ours "$1"; then
    kill "$pid" 2>/dev/null || true
    wait_for 5 _registry_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# shellcheck shell=bash
# The Dagger engine and CLI, built from the Go module proxy and run as a host
# process. Sourced by testbed.sh after common.sh.

RUNC_VERSION=v1.4.2 # what the v0.21 engine image ships
CNI_VERSION=v1.9.0
ENGINE_BIN_DIR=/usr/local/bin # the engine looks for runc and dagger-init here
CNI_BIN_DIR=/opt/cni/bin
ENGINE_STATE_DIR=/var/lib/dagger
ENGINE_CONFIG_DIR=/etc/dagger
ENGINE_LOG="$MULTIARCH_LOGS/engine.log"
BUILD_LOG="$MULTIARCH_LOGS/build-dagger.log"
DAGGER_BUILD_FILES="$TESTBED_DIR/dagger-build"
ENGINE_BUILD_PACKAGES=(gcc libc6-dev libseccomp-dev pkg-config)
ENGINE_PACKAGES=(tini iptables nftables dnsmasq-base git openssh-client pigz xz-utils e2fsprogs fuse-overlayfs util-linux iproute2 ca-certificates)

ensure_go() {
  command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
  command -v go >/dev/null 2>&1 || die "no Go toolchain found (looked on PATH and in /usr/local/go/bin); install Go 1.26 and retry"
}

# The engine must match the @dagger.io/dagger version the SDK is pinned to.
dagger_version() {
  local v
  v=$(node -p "require('$REPO_DIR/package.json').dependencies['@dagger.io/dagger']" 2>/dev/null) \
    || die "cannot read the @dagger.io/dagger version from $REPO_DIR/package.json"
  [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || die "package.json pins @dagger.io/dagger to '$v'; the test bed needs an exact version (e.g. 0.21.8)"
  echo "v$v"
}

dagger_bin_dir() { echo "$MULTIARCH_CACHE/bin/dagger-$1"; }

# The v0.21 sources cannot be built as published from the proxy we reach: some
# of their dependencies are not served. Lay out a builder module that
#  - takes github.com/dagger/dagger from the module cache, minus the Dang v2 SDK
#    runtime (its module github.com/vito/dang/v2 is not served; Dang v1 stays);
#  - supplies engine/distconsts, a nested module the proxy does not serve;
#  - stands in for github.com/vito/tuist (the CLI's interactive TUI, not served):
#    the CLI keeps its plain progress output, which is what the bed uses;
#  - takes github.com/vito/midterm at v0.2.5, the nearest served release (dagger pins an
#    unserved pseudo-version just before it).
prepare_dagger_source() {
  local v=$1 src=$2 modjson dir
  modjson=$(go mod download -json "github.com/dagger/dagger@$v" 2>>"$BUILD_LOG") \
    || die_with_log "$BUILD_LOG" "the Go module proxy does not serve github.com/dagger/dagger@$v"
  dir=$(printf '%s' "$modjson" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || die_with_log "$BUILD_LOG" "github.com/dagger/dagger@$v downloaded, but its source directory was not found"

  rm -rf "$src" && mkdir -p "$src"
  cp -r "$dir" "$src/dagger" && chmod -R u+w "$src/dagger"

  rm -rf "$src/dagger/core/sdk/dang/v2"
  sed -i -e '/dangv2 "github.com\/dagger\/dagger\/core\/sdk\/dang\/v2"/d' \
    -e 's/return dangv2.Impl{}/return dangv1.Impl{}/' "$src/dagger/core/sdk/dang_sdk.go"
  ! grep -q dangv2 "$src/dagger/core/sdk/dang_sdk.go" \
    || die "the Dang v2 removal no longer applies to dagger $v (core/sdk/dang_sdk.go changed); update prepare_dagger_source"

  # Go module codegen reads the module's go.mod with modfile.ParseLax, which drops replace
  # directives, so a `replace dagger.io/dagger => ...` never stops it from running
  # `go get dagger.io/dagger@<commit>`, a commit query our proxy refuses. Parsed strictly, the
  # replace is seen and the `go get` skipped (the bed's TypeScript runtime module relies on it).
  sed -i 's/goMod, err = modfile.ParseLax("go.mod", content, nil)/goMod, err = modfile.Parse("go.mod", content, nil)/' \
    "$src/dagger/cmd/codegen/generator/go/generate_module.go"
  ! grep -q 'modfile.ParseLax' "$src/dagger/cmd/codegen/generator/go/generate_module.go" \
    || die "the strict go.mod parse patch no longer applies to dagger $v (cmd/codegen/generator/go/generate_module.go changed); update prepare_dagger_source"

  mkdir -p "$src/distconsts"
  cp "$DAGGER_BUILD_FILES/distconsts.go" "$src/distconsts/"
  printf 'module github.com/dagger/dagger/engine/distconsts\n\ngo 1.22\n' >"$src/distconsts/go.mod"
  cp -r "$DAGGER_BUILD_FILES/stubs" "$src/stubs"

  # dagger's own go.mod, renamed, with its local replaces pointed at our copies.
  sed -e 's#^module github.com/dagger/dagger$#module multiarch.local/daggerbuild#' \
    -e '\#dagger.io/dagger => ./sdk/go#d' \
    -e 's#github.com/dagger/dagger/engine/distconsts => ./engine/distconsts#github.com/dagger/dagger/engine/distconsts => ./distconsts\n\tgithub.com/dagger/dagger => ./dagger\n\tgithub.com/vito/tuist => ./stubs/tuist\n\tgithub.com/vito/tuist/teav1 => ./stubs/tuist/teav1#' \
    -e 's#^\(\tgithub.com/vito/midterm\) v0.2.5-0\.[0-9a-f.-]*$#\1 v0.2.5#' \
    -e "s#^\(\tdagger.io/dagger\) v[^ ]*\$#\1 $v\n\tgithub.com/dagger/dagger $v#" \
    -e '\#github.com/vito/dang/v2 #d' \
    -e '/^tool /d' \
    "$dir/go.mod" >"$src/go.mod"
  if ! grep -q "github.com/dagger/dagger => ./dagger" "$src/go.mod" \
    || ! grep -q "vito/midterm v0.2.5$" "$src/go.mod"; then
    die "could not rewrite dagger's go.mod for $v; update prepare_dagger_source"
  fi
  # midterm v0.2.5 needs a newer go-ansicode than dagger pins; the pruned module graph does
  # not raise it by itself.
  (cd "$src" && go mod edit -require=github.com/danielgatis/go-ansicode@v1.0.14)
  cp "$dir/go.sum" "$src/go.sum"
}

# go build inside the builder module; on failure show the log's tail.
go_build() {
  local what=$1 t0=$SECONDS
  shift
  (cd "$DAGGER_SRC" && go build -mod=mod -trimpath "$@") >>"$BUILD_LOG" 2>&1 \
    || die_with_log "$BUILD_LOG" "building $what failed"
  info "built $what in $((SECONDS - t0)) s"
}

# WHAT: all (default), or demo: the demo runs no module, so dagger-codegen (the SDK images'
# code generator) waits for the first `up` that builds those images.
engine_build() {
  local what=${1:-all} v bin
  v=$(dagger_version)
  bin=$(dagger_bin_dir "$v")
  if [ -f "$bin/.complete" ]; then
    # A cache made before the bed shipped dagger-codegen, or before its go.mod patch, or by a
    # demo `up`: add just that.
    if [ "$what" = all ] && { [ ! -x "$bin/dagger-codegen" ] || [ ! -f "$bin/.codegen-strict-gomod" ]; }; then
      codegen_build "$v" "$bin"
    fi
    return 0
  fi

  ensure_go
  need_packages "${ENGINE_BUILD_PACKAGES[@]}"
  need_disk "$MULTIARCH_CACHE" 6
  local parts="engine, CLI, dagger-init, runc, CNI plugins"
  [ "$what" != all ] || parts="engine, CLI, dagger-init, dagger-codegen, runc, CNI plugins"
  step "Building Dagger $v ($parts) from the Go module proxy"
  info "first time only: about 15-25 minutes on 2 cores; log: $BUILD_LOG"
  : >"$BUILD_LOG"
  DAGGER_SRC="$MULTIARCH_CACHE/src/dagger-$v"
  prepare_dagger_source "$v" "$DAGGER_SRC"
  mkdir -p "$bin.tmp"
  local ld="-s -w -X github.com/dagger/dagger/engine.Version=$v -X github.com/dagger/dagger/engine.Tag=$v"
  go_build "dagger-engine" -tags dfexcludepatterns,dfparents -ldflags "$ld" -o "$bin.tmp/dagger-engine" github.com/dagger/dagger/cmd/engine
  go_build "dagger (CLI)" -ldflags "$ld" -o "$bin.tmp/dagger" github.com/dagger/dagger/cmd/dagger
  # dagger-init is bind-mounted into every container, of any libc: static.
  CGO_ENABLED=0 go_build "dagger-init" -ldflags "-s -w" -o "$bin.tmp/dagger-init" github.com/dagger/dagger/cmd/init
  go_build "dnsname (CNI)" -ldflags "-s -w" -o "$bin.tmp/dnsname" github.com/dagger/dagger/cmd/dnsname
  # The SDK code generator: writes the TypeScript client (client.gen.ts) from the engine's
  # schema, which the TypeScript SDK's module introspector needs (test/module/generate-sdk.sh).
  if [ "$what" = all ]; then
    go_build "dagger-codegen" -ldflags "-s -w" -o "$bin.tmp/dagger-codegen" github.com/dagger/dagger/cmd/codegen
    touch "$bin.tmp/.codegen-strict-gomod"
  fi
  local t0=$SECONDS
  info "building runc $RUNC_VERSION (seccomp)"
  GOBIN="$bin.tmp" CGO_ENABLED=1 go install -tags seccomp -ldflags "-s -w -X main.version=${RUNC_VERSION#v}" \
    "github.com/opencontainers/runc@$RUNC_VERSION" >>"$BUILD_LOG" 2>&1 \
    || die_with_log "$BUILD_LOG" "building runc failed"
  info "built runc in $((SECONDS - t0)) s"
  t0=$SECONDS
  GOBIN="$bin.tmp" CGO_ENABLED=0 go install -ldflags "-s -w" \
    "github.com/containernetworking/plugins/plugins/main/bridge@$CNI_VERSION" \
    "github.com/containernetworking/plugins/plugins/main/loopback@$CNI_VERSION" \
    "github.com/containernetworking/plugins/plugins/meta/firewall@$CNI_VERSION" \
    "github.com/containernetworking/plugins/plugins/ipam/host-local@$CNI_VERSION" >>"$BUILD_LOG" 2>&1 \
    || die_with_log "$BUILD_LOG" "building the CNI plugins failed"
  info "built the CNI plugins $CNI_VERSION in $((SECONDS - t0)) s"
  rm -rf "$bin" && mv "$bin.tmp" "$bin" && touch "$bin/.complete"
  rm -rf "$DAGGER_SRC" # the Go build cache keeps what a rebuild needs
  info "binaries cached in $bin ($(du -sh "$bin" | cut -f1))"
}

# Build only dagger-codegen into an existing, complete binary cache.
codegen_build() {
  local v=$1 bin=$2
  ensure_go
  need_disk "$MULTIARCH_CACHE" 2
  step "Building dagger-codegen $v from the Go module proxy (added to the cached binaries)"
  : >"$BUILD_LOG"
  DAGGER_SRC="$MULTIARCH_CACHE/src/dagger-$v"
  prepare_dagger_source "$v" "$DAGGER_SRC"
  go_build "dagger-codegen" -ldflags "-s -w" -o "$bin/dagger-codegen.tmp" github.com/dagger/dagger/cmd/codegen
  mv "$bin/dagger-codegen.tmp" "$bin/dagger-codegen"
  touch "$bin/.codegen-strict-gomod"
  rm -rf "$DAGGER_SRC"
}

# Put the binaries where the engine expects them (it hard-codes these paths).
engine_install() {
  local bin
  bin=$(dagger_bin_dir "$(dagger_version)")
  need_packages "${ENGINE_PACKAGES[@]}"
  mkdir -p "$ENGINE_BIN_DIR" "$CNI_BIN_DIR"
  local f
  for f in dagger-engine dagger dagger-init runc dagger-codegen; do
    # dagger-codegen is absent from a demo build (engine_build says why).
    [ -e "$bin/$f" ] || [ "$f" != dagger-codegen ] || continue
    cmp -s "$bin/$f" "$ENGINE_BIN_DIR/$f" || install -m 0755 "$bin/$f" "$ENGINE_BIN_DIR/$f"
  done
  for f in dnsname bridge loopback firewall host-local; do
    cmp -s "$bin/$f" "$CNI_BIN_DIR/$f" || install -m 0755 "$bin/$f" "$CNI_BIN_DIR/$f"
  done
  # Debian's tini, where the engine image has it (distconsts.TiniPath). Not `command -v tini`:
  # once this link exists, that names the link itself.
  ln -sfn /usr/bin/tini "$ENGINE_BIN_DIR/tini"
  # The engine calls these by their upstream paths; Debian installs them in /usr/sbin.
  for f in xtables-legacy-multi xtables-nft-multi; do
    [ -e "/usr/bin/$f" ] || ln -sf "/usr/sbin/$f" "/usr/bin/$f"
  done
}

# An empty module (no SDK) for the CLI to load by default. This repository's root holds a
# TypeScript module, which takes tens of seconds to load (and fails to while its sources are
# broken), and the CLI loads the module of the current directory unless told otherwise:
# testbed:env points DAGGER_MODULE here, so `dagger query` is quick anywhere; `-m DIR` picks a
# module (`dagger -m . call ...` this repository's).
CLI_MODULE_DIR="$MULTIARCH_STATE/cli-module"

engine_write_config() {
  mkdir -p "$ENGINE_CONFIG_DIR" "$ENGINE_STATE_DIR" /run/dagger "$CLI_MODULE_DIR"
  printf '{ "name": "testbed", "engineVersion": "%s" }\n' "$(dagger_version)" >"$CLI_MODULE_DIR/dagger.json"
  # buildkitd-format settings; the engine's own settings go to engine.json.
  cat >"$ENGINE_CONFIG_DIR/engine.toml" <<EOF
root = "$ENGINE_STATE_DIR"
[grpc]
  address = ["unix://$ENGINE_SOCK"]
EOF
  engine_json >"$ENGINE_CONFIG_DIR/engine.json"
}

# docker.io pulls go to the local registry, so unchanged Dockerfiles (FROM busybox,
# FROM debian:bookworm-slim) resolve offline. Both local registries speak plain HTTP, on
# 127.0.0.1 and on the address module containers reach.
engine_json() {
  cat <<EOF
{
  "registries": {
    "docker.io": { "mirrors": ["$REGISTRY_ADDR"] },
    "$REGISTRY_ADDR": { "http": true },
    "$AUTH_REGISTRY_ADDR": { "http": true },
    "localhost:$REGISTRY_PORT": { "http": true },
    "localhost:$AUTH_REGISTRY_PORT": { "http": true },
    "$TESTBED_REGISTRY_ADDR": { "http": true },
    "$TESTBED_AUTH_REGISTRY_ADDR": { "http": true }
  }
}
EOF
}

# What the running engine was started with: its registry settings and SDK image digests.
engine_fingerprint() {
  { engine_json; sdk_engine_env; } | sha256sum | cut -d' ' -f1
}

engine_query_version() {
  local out
  [ -S "$ENGINE_SOCK" ] || return 1
  # --no-mod: the repository root holds a dagger.json (the TypeScript module), which `dagger query`
  # would otherwise load from the current directory (slowly, and only while its sources load).
  out=$(echo '{ version }' | timeout 20 env _EXPERIMENTAL_DAGGER_RUNNER_HOST="unix://$ENGINE_SOCK" \
    DAGGER_PROGRESS=plain "$ENGINE_BIN_DIR/dagger" query --no-mod 2>/dev/null) || return 1
  printf '%s' "$out" | sed -n 's/.*"version": *"\([^"]*\)".*/\1/p'
}

# WHAT: all (default) or demo, as for engine_build.
engine_up() {
  engine_build "${1:-}"
  engine_install
  local want
  want=$(engine_fingerprint)
  if pid_alive engine && [ -S "$ENGINE_SOCK" ]; then
    if [ "$(cat "$MULTIARCH_RUN/engine.fingerprint" 2>/dev/null)" = "$want" ]; then
      info "engine already running (pid $(cat "$MULTIARCH_RUN/engine.pid"))"
      return 0
    fi
    info "restarting the engine: its builtin SDK images or registry settings changed"
    engine_down
  fi
  if pgrep -x dagger-engine >/dev/null; then
    die "a dagger-engine that this test bed did not start is running (pid $(pgrep -x dagger-engine | tr '\n' ' ')); stop it, then retry"
  fi
  # A socket left by an engine that died would make the new one fail to bind.
  if [ -e "$ENGINE_SOCK" ]; then
    warn "removing stale engine socket $ENGINE_SOCK"
    rm -f "$ENGINE_SOCK"
  fi
  engine_write_config
  need_disk "$ENGINE_STATE_DIR" 5
  step "Starting the Dagger engine on unix://$ENGINE_SOCK"
  : >"$ENGINE_LOG"
  # Private mount namespace: the engine bind-mounts over /etc/resolv.conf and
  # mounts its snapshots; none of that should touch the host. tini reaps.
  (
    ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true
    # DAGGER_{GO,TYPESCRIPT}_SDK_MANIFEST_DIGEST: the builtin SDK images (lib/sdk-images.sh).
    while IFS= read -r kv; do if [ -n "$kv" ]; then export "${kv?}"; fi; done < <(sdk_engine_env)
    exec setsid unshare --mount --propagation private -- \
      /usr/bin/tini -s -- "$ENGINE_BIN_DIR/dagger-engine" --config "$ENGINE_CONFIG_DIR/engine.toml" \
      --addr "unix://$ENGINE_SOCK" </dev/null >>"$ENGINE_LOG" 2>&1
  ) &
  echo $! >"$MULTIARCH_RUN/engine.pid"
  echo "$want" >"$MULTIARCH_RUN/engine.fingerprint"
  local deadline=$((SECONDS + 120))
  until engine_query_version >/dev/null 2>&1; do
    pid_alive engine || die_with_log "$ENGINE_LOG" "the engine exited during start-up"
    [ "$SECONDS" -lt "$deadline" ] || die_with_log "$ENGINE_LOG" "the engine did not answer a query within 120 s"
    sleep 1
  done
  info "engine $(engine_query_version) answers (log: $ENGINE_LOG)"
}

engine_status() {
  local v
  if ! pid_alive engine; then
    echo "engine:     DOWN (not started by the test bed, or exited; log: $ENGINE_LOG)"
    return 1
  fi
  if ! v=$(engine_query_version) || [ -z "$v" ]; then
    echo "engine:     NOT ANSWERING on unix://$ENGINE_SOCK (pid $(cat "$MULTIARCH_RUN/engine.pid"); log: $ENGINE_LOG)"
    return 1
  fi
  echo "engine:     $v on unix://$ENGINE_SOCK (pid $(cat "$MULTIARCH_RUN/engine.pid"); log: $ENGINE_LOG)"
}

engine_down() {
  local pid pids
  pid_alive engine || { rm -f "$MULTIARCH_RUN/engine.pid"; return 0; }
  pid=$(cat "$MULTIARCH_RUN/engine.pid")
  # The recorded pid is tini's; the engine is its child (in a process group of its own), and
  # would be orphaned if tini died first: signal and wait for both.
  pids="$pid $(pgrep -P "$pid" | tr '\n' ' ')"
  info "stopping the engine (pids $pids)"
  # shellcheck disable=SC2086 # a list of pids
  kill -TERM $pids 2>/dev/null || true
  local i p alive
  for ((i = 1; i <= 120; i++)); do
    alive=""
    for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    [ -z "$alive" ] && break
    # A graceful shutdown can wait on sessions; the engine forces it at the third SIGTERM.
    # shellcheck disable=SC2086
    if ((i == 20 || i == 30)); then kill -TERM $alive 2>/dev/null || true; fi
    sleep 0.5
  done
  if [ -n "$alive" ]; then
    warn "the engine did not stop within 60 s; killing it"
    # shellcheck disable=SC2086
    kill -KILL $alive 2>/dev/null || true
  fi
  rm -f "$MULTIARCH_RUN/engine.pid" "$MULTIARCH_RUN/engine.fingerprint" "$ENGINE_SOCK"
}

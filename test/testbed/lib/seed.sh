# shellcheck shell=bash
# Multi-platform base images for the tests, made only from Debian packages
# (no Docker Hub here) and pushed to the plain registry as OCI image indexes.
# Sourced by testbed.sh after common.sh; needs registry_up, not the engine.
#
#   library/busybox:latest        busybox-static .debs of every architecture
#   library/debian:bookworm-slim  mmdebstrap --variant=minbase (amd64, arm64, armhf,
#                                 ppc64el, s390x: the five platforms of the tests)
#   multiarch/binfmt:debian       a binfmt installer like tonistiigi/binfmt, from
#                                 qemu-user-static and busybox-static (host arch)
#
# Each image is built only when its tag is missing from the registry. The
# expensive inputs (.debs, mmdebstrap tarballs) are cached under $SEED_DIR,
# so a rebuild after a registry wipe takes under a minute instead of ten, and
# gives the very same digests (fixed mtimes, gzip -n, pinned .debs).

SEED_DIR="$MULTIARCH_CACHE/seed"
SEED_SUITE=bookworm
SEED_BINFMT_IMAGE=multiarch/binfmt:debian
SEED_IMAGES=(library/busybox:latest "library/debian:$SEED_SUITE-slim" "$SEED_BINFMT_IMAGE")
# riscv64 is not a bookworm release architecture (only debian-ports has it);
# it and mips64el are taken only when the mirror carries them.
SEED_BUSYBOX_ARCHES=(amd64 arm64 armhf armel ppc64el s390x i386 mips64el riscv64)
SEED_BUSYBOX_OPTIONAL=" mips64el riscv64 "
SEED_DEBIAN_ARCHES=(amd64 arm64 armhf ppc64el s390x)
# The handlers the installer image carries: what `tonistiigi/binfmt --install
# all` registers on an x86_64 host (Debian's names), ~90 MB of static QEMU.
SEED_BINFMT_HANDLERS=(qemu-aarch64 qemu-arm qemu-ppc64le qemu-s390x qemu-riscv64 qemu-mips64el qemu-mips64 qemu-loongarch64)
# Every package the seeding steps ask for (testbed.sh installs them all up front).
SEED_PACKAGES=(skopeo jq curl gzip mmdebstrap arch-test qemu-user-static binfmt-support)
SEED_PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Like the official -slim images: no docs, man pages or locales, but keep the
# licenses. dpkg keeps applying these inside containers built from the image.
SEED_SLIM_DPKGOPTS=(
  'path-exclude=/usr/share/doc/*'
  'path-include=/usr/share/doc/*/copyright'
  'path-exclude=/usr/share/info/*'
  'path-exclude=/usr/share/linda/*'
  'path-exclude=/usr/share/lintian/overrides/*'
  'path-exclude=/usr/share/locale/*'
  'path-exclude=/usr/share/man/*'
)

# Push whichever seed image WHAT needs is missing; seconds when none is.
#   all   every image, every platform (the tests)
#   demo  what `npm run demo` pulls: busybox (its final stage and the emulation probe, every
#         platform) and debian:bookworm-slim for the build machine only (its stages are
#         FROM --platform=$BUILDPLATFORM). A later `up` adds the other platforms to the index,
#         reusing the root filesystem made here.
# (if-statements, not `a || b`: a function run as `b` there loses set -e.)
seed_images() {
  local what=${1:-all} debian_arches=("${SEED_DEBIAN_ARCHES[@]}")
  [ "$what" = all ] || debian_arches=("$(dpkg --print-architecture)")
  need_packages skopeo jq curl gzip
  if ! _seed_present library/busybox:latest; then _seed_busybox; fi
  if ! _seed_present "library/debian:$SEED_SUITE-slim" "${debian_arches[@]}"; then _seed_debian "${debian_arches[@]}"; fi
  if [ "$what" = all ] && ! _seed_present "$SEED_BINFMT_IMAGE"; then _seed_installer; fi
}

# One line per seed image with the platforms the registry serves; non-zero
# when one is missing.
seed_status() {
  local what=${1:-all} image raw platforms rc=0 images=("${SEED_IMAGES[@]}")
  [ "$what" = all ] || images=(library/busybox:latest "library/debian:$SEED_SUITE-slim")
  need_packages skopeo jq
  for image in "${images[@]}"; do
    if raw=$(skopeo inspect --raw --tls-verify=false "docker://$REGISTRY_ADDR/$image" 2>/dev/null); then
      platforms=$(jq -r '[.manifests[]?.platform | [.os, .architecture, .variant // empty] | join("/")] | join(" ")' <<<"$raw")
      printf '%-45s %s\n' "$REGISTRY_ADDR/$image" "${platforms:-not an image index}"
      [ -n "$platforms" ] || rc=1
    else
      printf '%-45s missing\n' "$REGISTRY_ADDR/$image"
      rc=1
    fi
  done
  return "$rc"
}

# --- presence and platforms --------------------------------------------------

# Present means the tag resolves to an OCI index; anything else is replaced.
# Given Debian ARCHES, the index must also list each one's platform (a bed
# seeded before an architecture was added gets it on the next `up`).
_seed_present() {
  local repo=${1%:*} tag=${1##*:} answer raw arch
  shift
  answer=$(curl -s -o /dev/null -I -w '%{http_code} %{content_type}' --max-time 5 \
    -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$REGISTRY_ADDR/v2/$repo/manifests/$tag" || true)
  [ "$answer" = "200 application/vnd.oci.image.index.v1+json" ] || return 1
  [ "$#" -gt 0 ] || return 0
  raw=$(curl -sf --max-time 5 -H 'Accept: application/vnd.oci.image.index.v1+json' \
    "http://$REGISTRY_ADDR/v2/$repo/manifests/$tag") || return 1
  for arch in "$@"; do
    jq -e --arg p "$(_seed_platform_name "$arch")" \
      'any(.manifests[]; [.platform.os, .platform.architecture, .platform.variant // empty] | join("/") == $p)' \
      <<<"$raw" >/dev/null || return 1
  done
}

# Debian architecture -> "OCI-architecture OCI-variant qemu-name" ("-" = no
# variant). armhf is ARMv7 with VFPv3-D16; armel's baseline is ARMv5TE, so v5.
# arm64 gets no variant, as containerd normalizes linux/arm64/v8.
_seed_platform() {
  case $1 in
    amd64) echo "amd64 - x86_64" ;;
    arm64) echo "arm64 - aarch64" ;;
    armhf) echo "arm v7 arm" ;;
    armel) echo "arm v5 arm" ;;
    ppc64el) echo "ppc64le - ppc64le" ;;
    s390x) echo "s390x - s390x" ;;
    i386) echo "386 - i386" ;;
    mips64el) echo "mips64le - mips64el" ;;
    riscv64) echo "riscv64 - riscv64" ;;
    *) die "no OCI platform known for Debian architecture $1" ;;
  esac
}

# "linux/arm/v7" for armhf: what the index and the progress lines show.
_seed_platform_name() {
  local oci_arch variant
  read -r oci_arch variant _ <<<"$(_seed_platform "$1")"
  if [ "$variant" = - ]; then echo "linux/$oci_arch"; else echo "linux/$oci_arch/$variant"; fi
}

# Run FUNCTION ARGS with its output in LOG; on failure show the log and stop.
# It runs as a background job so that `set -e` holds inside it: called as
# `f || die`, a function would run with errexit silently off.
_seed_logged() {
  local log=$1 msg=$2
  shift 2
  (
    set -euo pipefail
    "$@"
  ) >>"$log" 2>&1 &
  wait "$!" || die_with_log "$log" "$msg"
}

# Run a foreign static binary through qemu-user directly (no binfmt needed).
_seed_run_static() {
  local qemu=$1; shift
  if [ "$qemu" = "$(uname -m)" ]; then "$@"; else "qemu-$qemu-static" "$@"; fi
}

# --- a private apt for foreign architectures --------------------------------
# Same sources as the host, but its own lists and cache: the host's dpkg gets
# no foreign architectures, so the host's own `apt-get update` (need_packages)
# stays as fast and as unbreakable as before.

SEED_APT_UPDATED=0
SEED_APT_BROKEN=""   # "uri suite arch" lines whose index the mirror serves broken

_seed_apt() {
  local dir="$SEED_DIR/apt" archs
  archs=$(IFS=,; echo "${SEED_BUSYBOX_ARCHES[*]}")
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  [ -e "$dir/status" ] || : >"$dir/status"
  # The package caches are kept (Debian's container images turn them off): rebuilt from the
  # lists of nine architectures, each apt call took 15-17 s; read back, 0.1 s.
  apt-get -q -o Dir::State::Lists="$dir/lists" -o Dir::State::status="$dir/status" \
    -o Dir::Cache="$dir/cache" -o Dir::Cache::pkgcache=pkgcache.bin \
    -o Dir::Cache::srcpkgcache=srcpkgcache.bin -o APT::Architectures="$archs" \
    -o APT::Sandbox::User=root "$@"
}

# Index fetch failures are tolerated: an architecture whose package can't be
# found still fails later, by name. The failures are remembered because a
# mirror may serve an index that does not match its Release file for one
# architecture only (seen here for bookworm-security armhf/i386/ppc64el), and
# an image must not list a suite its own apt-get update would fail on.
_seed_apt_update() {
  local log="$MULTIARCH_LOGS/seed-apt.log"
  [ "$SEED_APT_UPDATED" = 1 ] && return 0
  info "apt-get update for ${SEED_BUSYBOX_ARCHES[*]} (private lists in $SEED_DIR/apt)"
  _seed_apt update >"$log" 2>&1 || warn "some apt indexes failed to download (see $log)"
  SEED_APT_BROKEN=$(sed -nE 's#^E: Failed to fetch ([^ ]+)/dists/([^/]+)/.*/binary-([^/]+)/.*#\1 \2 \3#p' "$log" | sort -u)
  SEED_APT_UPDATED=1
}

# --- busybox ----------------------------------------------------------------

_seed_busybox() {
  local log="$MULTIARCH_LOGS/seed-busybox.log" work="$SEED_DIR/work/busybox" arch deb t0=$SECONDS
  step "Seeding $REGISTRY_ADDR/library/busybox:latest from Debian's busybox-static"
  need_packages qemu-user-static
  : >"$log"
  rm -rf "$work"
  mkdir -p "$work" "$SEED_DIR/debs"
  for arch in "${SEED_BUSYBOX_ARCHES[@]}"; do
    if [ -z "$(_seed_cached_deb "$arch")" ]; then _seed_apt_update; fi
  done
  for arch in "${SEED_BUSYBOX_ARCHES[@]}"; do
    deb=$(_seed_cached_deb "$arch")
    if [ -z "$deb" ] && ! deb=$(_seed_download_deb "$arch"); then
      [[ $SEED_BUSYBOX_OPTIONAL == *" $arch "* ]] ||
        die_with_log "$MULTIARCH_LOGS/seed-apt.log" "the mirror has no busybox-static for $arch"
      info "busybox: skipping $arch: the mirror has no busybox-static:$arch"
      continue
    fi
    info "busybox: $arch as $(_seed_platform_name "$arch") (busybox-static $(dpkg-deb -f "$deb" Version))"
    _seed_logged "$log" "building busybox for $arch failed" _seed_busybox_platform "$work" "$arch" "$deb"
  done
  _seed_push "$work" library/busybox:latest
  rm -rf "$work"
  info "busybox pushed in $((SECONDS - t0))s"
}

# The cached .deb of PACKAGE (default busybox-static) for ARCH, if any. Once
# cached, a version is kept: images rebuilt after a registry wipe stay the same.
_seed_cached_deb() {
  find "$SEED_DIR/debs" -maxdepth 1 -name "${2:-busybox-static}_*_$1.deb" | sort | tail -n 1
}

# Download it (after _seed_apt_update) and print its path; fails if absent.
_seed_download_deb() {
  (cd "$SEED_DIR/debs" && _seed_apt download "${2:-busybox-static}:$1") >>"$MULTIARCH_LOGS/seed-apt.log" 2>&1 ||
    return 1
  _seed_cached_deb "$1" "${2:-busybox-static}"
}

# Root file system: busybox and its applet links, a root and a nobody user.
_seed_busybox_platform() {
  local work=$1 arch=$2 deb=$3 qemu x root version
  read -r _ _ qemu <<<"$(_seed_platform "$arch")"
  x="$work/$arch-deb" root="$work/$arch-rootfs"
  version=$(dpkg-deb -f "$deb" Version)
  _seed_busybox_tree "$deb" "$qemu" "$x" "$root"
  [ -L "$root/bin/sh" ] || { echo "busybox for $arch has no sh applet"; return 1; }
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
  install -d -m 1777 "$root/tmp"
  install -d -m 0700 "$root/root"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/$arch.tar" .
  _oci_add_image "$work" "$work/$arch.tar" "$arch" \
    "$(jq -nc --arg env "$SEED_PATH_ENV" '{Env: [$env], Cmd: ["sh"]}')" \
    "busybox-static $version ($arch) from Debian $SEED_SUITE"
  rm -rf "$x" "$root" "$work/$arch.tar"
}

# Unpack busybox-static DEB into X and install into ROOT: the binary, its
# copyright and its applet links (listed by that very binary, run under qemu,
# as builds differ per architecture).
_seed_busybox_tree() {
  local deb=$1 qemu=$2 x=$3 root=$4 applet
  dpkg-deb -x "$deb" "$x"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,home,var,usr/share/doc/busybox-static}
  install -m 0755 "$x/bin/busybox" "$root/bin/busybox"
  cp "$x/usr/share/doc/busybox-static/copyright" "$root/usr/share/doc/busybox-static/"
  _seed_run_static "$qemu" "$x/bin/busybox" --list-full >"$x.applets"
  while read -r applet; do
    if [ -z "$applet" ] || [ "$applet" = bin/busybox ]; then continue; fi
    case $applet in */*) [ -d "$root/${applet%/*}" ] || mkdir -p "$root/${applet%/*}" ;; esac
    ln -sf /bin/busybox "$root/$applet"
  done <"$x.applets"
  rm -f "$x.applets"
}

# --- debian:bookworm-slim ---------------------------------------------------

# The index for ARCHES (default: all five).
_seed_debian() {
  local image="library/debian:$SEED_SUITE-slim" work="$SEED_DIR/work/debian" arch tar t0=$SECONDS
  local arches=("$@")
  [ $# -gt 0 ] || arches=("${SEED_DEBIAN_ARCHES[@]}")
  step "Seeding $REGISTRY_ADDR/$image with mmdebstrap (${arches[*]})"
  : >"$MULTIARCH_LOGS/seed-debian.log"
  rm -rf "$work"
  mkdir -p "$work" "$SEED_DIR/rootfs"
  for arch in "${arches[@]}"; do
    tar="$SEED_DIR/rootfs/debian-$SEED_SUITE-slim-$arch.tar"
    if [ ! -s "$tar" ]; then _seed_debian_rootfs "$arch" "$tar"; fi
    info "debian: adding $arch as $(_seed_platform_name "$arch") from $tar"
    _seed_logged "$MULTIARCH_LOGS/seed-debian.log" "assembling debian for $arch failed" \
      _seed_debian_platform "$work" "$arch" "$tar"
  done
  _seed_push "$work" "$image"
  rm -rf "$work"
  info "debian pushed in $((SECONDS - t0))s"
}

# The layer is mmdebstrap's tarball as is: it carries the real owners
# (root:shadow on /etc/shadow, _apt), which a re-pack as 0:0 would lose.
_seed_debian_platform() {
  local work=$1 arch=$2 tar=$3
  _oci_add_image "$work" "$tar" "$arch" \
    "$(jq -nc --arg env "$SEED_PATH_ENV" '{Env: [$env], Cmd: ["bash"]}')" \
    "mmdebstrap --variant=minbase $SEED_SUITE ($arch), slim dpkg excludes"
}

# mmdebstrap one architecture into the cache (minutes under qemu), atomically.
_seed_debian_rootfs() {
  local arch=$1 out=$2 log="$MULTIARCH_LOGS/seed-debian-$1.log" qemu t0=$SECONDS
  local sources=() opts=()
  read -r _ _ qemu <<<"$(_seed_platform "$arch")"
  # Mounted before qemu-user-static is installed, so that its postinst can
  # already register the handlers.
  _seed_binfmt_mount
  need_packages mmdebstrap arch-test qemu-user-static binfmt-support
  need_disk "$SEED_DIR" 3
  if [ "$qemu" != "$(uname -m)" ]; then _seed_binfmt "$qemu"; fi
  _seed_apt_update
  _seed_debian_sources "$arch" "$SEED_DIR/sources.$arch"
  mapfile -t sources < <(grep '^deb ' "$SEED_DIR/sources.$arch")
  mapfile -t opts < <(_seed_debian_opts "$SEED_DIR/sources.$arch")
  info "debian: mmdebstrap $SEED_SUITE for $arch (takes minutes under qemu; log $log)"
  SOURCE_DATE_EPOCH=$(_seed_release_epoch) \
    mmdebstrap --mode=root --variant=minbase --arch="$arch" --format=tar \
    --skip=output/dev "${opts[@]}" "$SEED_SUITE" "$out.tmp" "${sources[@]}" >"$log" 2>&1 ||
    die_with_log "$log" "mmdebstrap for $arch failed"
  mv "$out.tmp" "$out"
  info "debian: $arch rootfs done in $((SECONDS - t0))s ($(du -h "$out" | cut -f1))"
}

# Write to OUT one "deb URI SUITE COMPONENTS" line per $SEED_SUITE source of
# the host's apt, so the image (and apt inside containers built from it) use
# this machine's mirror. A suite whose index for ARCH the mirror serves broken
# becomes a "# left out" comment (and a warning): apt-get update inside the
# image would fail on it. Without its main suite there is no image.
_seed_debian_sources() {
  local arch=$1 out=$2 uri suite comps
  # shellcheck disable=SC2016 # $(...) are apt's placeholders
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
    'Created-By: Packages' "Architecture: $(dpkg --print-architecture)" |
    awk -v s="$SEED_SUITE" '$2 ~ "^" s "(-updates|-security)?$" { sub(/\/$/, "", $1); c[$1 " " $2] = c[$1 " " $2] " " $3 }
      END { for (k in c) print k c[k] }' | sort >"$out.host"
  grep -q " $SEED_SUITE " "$out.host" ||
    die "the host's apt sources have no '$SEED_SUITE' suite: seeding needs a Debian $SEED_SUITE mirror"
  : >"$out"
  while read -r uri suite comps; do
    if grep -qxF "$uri $suite $arch" <<<"$SEED_APT_BROKEN"; then
      [ "$suite" != "$SEED_SUITE" ] ||
        die_with_log "$MULTIARCH_LOGS/seed-apt.log" "the mirror's $suite index for $arch is broken"
      warn "debian $arch: leaving out $uri $suite: the mirror's $arch index does not match its Release file"
      echo "# left out at seed time, the mirror's $arch index did not match its Release file: deb $uri $suite $comps" >>"$out"
    else
      echo "deb $uri $suite $comps" >>"$out"
    fi
  done <"$out.host"
  rm -f "$out.host"
}

# mmdebstrap options. Persisting in the image: slim excludes, and the host's
# tolerance for an outdated Release file (a frozen mirror needs it inside
# containers too). The hook drops the host's resolv.conf and hostname (the
# runtime provides both) and records suites left out of sources.list.
_seed_debian_opts() {
  local sources_file=$1 opt v=true d=true
  for opt in "${SEED_SLIM_DPKGOPTS[@]}"; do echo "--dpkgopt=$opt"; done
  # shellcheck disable=SC2016 # $1 is the chroot, expanded by mmdebstrap's hook
  echo '--customize-hook=rm -f "$1/etc/resolv.conf" "$1/etc/hostname"'
  if grep -q '^# left out' "$sources_file"; then
    echo "--customize-hook=grep '^# left out' '$sources_file' >>\"\$1/etc/apt/sources.list\""
  fi
  eval "$(apt-config shell v Acquire::Check-Valid-Until/b d Acquire::Check-Date/b)"
  [ "$v" = true ] || echo '--aptopt=Acquire::Check-Valid-Until "false"'
  [ "$d" = true ] || echo '--aptopt=Acquire::Check-Date "false"'
}

# The suite's Release date, so file times in the tarball don't depend on when
# we ran mmdebstrap.
_seed_release_epoch() {
  local list date=""
  list=$(find "$SEED_DIR/apt/lists" -name "*_dists_${SEED_SUITE}_InRelease" -print -quit)
  if [ -n "$list" ]; then date=$(sed -n 's/^Date: //p' "$list"); fi
  date -u -d "${date:-@0}" +%s
}

# Foreign maintainer scripts run through binfmt_misc. Handlers someone else
# registered (the engine code does too) are reused, only re-enabled if off.
_seed_binfmt() {
  local q=$1 dir=/proc/sys/fs/binfmt_misc
  _seed_binfmt_mount
  if [ ! -e "$dir/qemu-$q" ]; then
    update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || true
    [ -e "$dir/qemu-$q" ] || die "could not register the qemu-$q binfmt handler (update-binfmts --enable qemu-$q)"
  fi
  head -n 1 "$dir/qemu-$q" | grep -qx enabled || echo 1 >"$dir/qemu-$q"
}

# Without systemd nobody mounts binfmt_misc for us.
_seed_binfmt_mount() {
  local dir=/proc/sys/fs/binfmt_misc
  mountpoint -q "$dir" && return 0
  mount -t binfmt_misc binfmt_misc "$dir" ||
    die "cannot mount binfmt_misc at $dir; foreign-architecture builds need it (is this a privileged root?)"
}

# --- multiarch/binfmt:debian ------------------------------------------------
# Our own stand-in for tonistiigi/binfmt (Docker Hub is out of reach): run
# privileged, `--install all|ARCH,...` registers Debian's static QEMU in the
# host kernel's binfmt_misc. The F flag makes the kernel open the emulator at
# registration, so it keeps working after this container and its rootfs are
# gone, and inside every other container.

_seed_installer() {
  local image=$SEED_BINFMT_IMAGE work="$SEED_DIR/work/binfmt" log="$MULTIARCH_LOGS/seed-binfmt.log"
  local arch qemu_deb busybox_deb t0=$SECONDS
  arch=$(dpkg --print-architecture)
  step "Seeding $REGISTRY_ADDR/$image from Debian's qemu-user-static and busybox-static ($arch)"
  : >"$log"
  rm -rf "$work"
  mkdir -p "$work" "$SEED_DIR/debs"
  if [ -z "$(_seed_cached_deb "$arch" qemu-user-static)" ] || [ -z "$(_seed_cached_deb "$arch")" ]; then
    _seed_apt_update
  fi
  qemu_deb=$(_seed_cached_deb "$arch" qemu-user-static)
  if [ -z "$qemu_deb" ] && ! qemu_deb=$(_seed_download_deb "$arch" qemu-user-static); then
    die_with_log "$MULTIARCH_LOGS/seed-apt.log" "the mirror has no qemu-user-static for $arch"
  fi
  busybox_deb=$(_seed_cached_deb "$arch")
  if [ -z "$busybox_deb" ] && ! busybox_deb=$(_seed_download_deb "$arch"); then
    die_with_log "$MULTIARCH_LOGS/seed-apt.log" "the mirror has no busybox-static for $arch"
  fi
  info "binfmt: qemu-user-static $(dpkg-deb -f "$qemu_deb" Version), busybox-static $(dpkg-deb -f "$busybox_deb" Version)"
  _seed_logged "$log" "building the binfmt installer failed" \
    _seed_installer_platform "$work" "$arch" "$qemu_deb" "$busybox_deb"
  _seed_push "$work" "$image"
  rm -rf "$work"
  info "binfmt installer pushed in $((SECONDS - t0))s"
}

# Root file system: busybox for /bin/sh, the QEMU binaries at the paths
# Debian's binfmts files name, a handler table made from those files, and the
# entrypoint that reads it.
_seed_installer_platform() {
  local work=$1 arch=$2 qemu_deb=$3 busybox_deb=$4 qemu x root table h interp target
  read -r _ _ qemu <<<"$(_seed_platform "$arch")"
  x="$work/qemu-deb" root="$work/rootfs" table="$work/rootfs/usr/local/share/binfmt-install/handlers"
  _seed_busybox_tree "$busybox_deb" "$qemu" "$work/busybox-deb" "$root"
  dpkg-deb -x "$qemu_deb" "$x"
  mkdir -p "${table%/*}" "$root/usr/local/bin" "$root/usr/share/doc/qemu-user-static" "$root/tmp"
  cp "$x/usr/share/doc/qemu-user-static/copyright" "$root/usr/share/doc/qemu-user-static/"
  : >"$table"
  for h in "${SEED_BINFMT_HANDLERS[@]}"; do
    [ -f "$x/usr/share/binfmts/$h" ] || { echo "qemu-user-static has no $h"; return 1; }
    _seed_installer_entry "$x/usr/share/binfmts/$h" >>"$table"
    # The interpreter as Debian installs it: a NAME-binfmt-P link to the
    # static binary (its name is how Debian's QEMU knows argv[0] is preserved).
    interp=$(sed -n 's/^interpreter //p' "$x/usr/share/binfmts/$h")
    target=$(readlink -f "$x$interp")
    [ -f "$target" ] || { echo "$h: $interp is not in the package"; return 1; }
    mkdir -p "$root${interp%/*}" "$root$(dirname "${target#"$x"}")"
    cp -a "$x$interp" "$root$interp"
    install -m 0755 "$target" "$root${target#"$x"}"
  done
  _seed_installer_script >"$root/usr/local/bin/binfmt-install"
  chmod 0755 "$root/usr/local/bin/binfmt-install"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$root" -cf "$work/$arch.tar" .
  _oci_add_image "$work" "$work/$arch.tar" "$arch" \
    "$(jq -nc --arg env "$SEED_PATH_ENV" '{Env: [$env], Entrypoint: ["/usr/local/bin/binfmt-install"]}')" \
    "binfmt installer: qemu-user-static $(dpkg-deb -f "$qemu_deb" Version) ($arch), busybox-static, Debian $SEED_SUITE"
  rm -rf "$x" "$work/busybox-deb" "$root" "$work/$arch.tar"
}

# One handler-table line from a Debian binfmts file: "NAME ALIASES REGISTER",
# ALIASES the names --install accepts (QEMU's and the OCI architecture),
# REGISTER the line for binfmt_misc/register. Magic and mask keep their \x
# escapes: the kernel decodes them. Flags: F always (that is the point), P and
# C as Debian's file says.
_seed_installer_entry() {
  local file=$1 name interp magic mask offset aliases oci flags=F
  name=$(basename "$file")
  interp=$(sed -n 's/^interpreter //p' "$file")
  magic=$(sed -n 's/^magic //p' "$file")
  mask=$(sed -n 's/^mask //p' "$file")
  offset=$(sed -n 's/^offset //p' "$file")
  if [ -z "$interp" ] || [ -z "$magic" ]; then echo "$file: no interpreter or magic"; return 1; fi
  if grep -qx 'preserve yes' "$file"; then flags="P$flags"; fi
  if grep -qx 'credentials yes' "$file"; then flags="${flags}C"; fi
  [[ "$magic$mask" != *:* ]] || { echo "$file: ':' in magic or mask"; return 1; }
  aliases=${name#qemu-}
  oci=$(_seed_oci_arch "$aliases")
  [ "$oci" = "$aliases" ] || aliases="$aliases,$oci"
  echo "$name $aliases :$name:M:${offset:-0}:$magic:$mask:$interp:$flags"
}

# QEMU's name for an architecture -> the OCI one (GOARCH).
_seed_oci_arch() {
  case $1 in
    aarch64) echo arm64 ;;
    x86_64) echo amd64 ;;
    i386) echo 386 ;;
    mips64el) echo mips64le ;;
    loongarch64) echo loong64 ;;
    *) echo "$1" ;;
  esac
}

# The entrypoint, busybox sh. Without arguments it lists the handlers and
# their state, like tonistiigi/binfmt does.
_seed_installer_script() {
  cat <<'SCRIPT'
#!/bin/sh
# binfmt-install: register this image's QEMU (Debian qemu-user-static) in the
# kernel's binfmt_misc, like tonistiigi/binfmt. Needs a privileged container.
#   binfmt-install                         list the handlers and their state
#   binfmt-install --install all|ARCH,...  register those not registered yet
#   binfmt-install --uninstall all|ARCH,...  remove them (whoever registered them)
# ARCH: QEMU's name (aarch64, mips64el) or the OCI one (arm64, mips64le).
set -eu
TABLE=/usr/local/share/binfmt-install/handlers
DIR=/proc/sys/fs/binfmt_misc

usage() {
  echo "usage: binfmt-install [--install all|ARCH[,ARCH...]] [--uninstall all|ARCH[,ARCH...]]" >&2
  echo "ARCH is one of: $(cut -d' ' -f2 "$TABLE" | tr '\n' ' ')" >&2
  exit 2
}

# binfmt_misc is not mounted in a container's fresh /proc.
mount_binfmt() {
  [ -e "$DIR/register" ] && return 0
  mount -t binfmt_misc binfmt_misc "$DIR" 2>/dev/null || {
    echo "binfmt-install: cannot mount binfmt_misc at $DIR (run the container privileged)" >&2
    exit 1
  }
}

# Table lines for a comma list ("all" = every line); fails on an unknown name.
select_handlers() {
  if [ "$1" = all ]; then cat "$TABLE"; return 0; fi
  for want in $(echo "$1" | tr ',' ' '); do
    found=$(awk -v w="$want" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == w) { print; exit } }' "$TABLE")
    [ -n "$found" ] || { echo "binfmt-install: no emulator for '$want'" >&2; usage; }
    echo "$found"
  done
}

install_handlers() {
  rc=0
  select_handlers "$1" >/tmp/selected
  while read -r name _ line; do
    if [ -e "$DIR/$name" ]; then
      echo "$name: already registered ($(sed -n 's/^interpreter //p' "$DIR/$name"), flags $(sed -n 's/^flags: //p' "$DIR/$name")), skipped"
    elif printf '%s' "$line" >"$DIR/register" 2>/dev/null; then
      echo "$name: registered $(sed -n 's/^interpreter //p' "$DIR/$name") (flags $(sed -n 's/^flags: //p' "$DIR/$name"))"
    else
      echo "$name: registering failed: $line" >&2
      rc=1
    fi
  done </tmp/selected
  return "$rc"
}

uninstall_handlers() {
  select_handlers "$1" >/tmp/selected
  while read -r name _ _; do
    if [ -e "$DIR/$name" ]; then
      echo -1 >"$DIR/$name"
      echo "$name: removed"
    else
      echo "$name: not registered"
    fi
  done </tmp/selected
}

status() {
  while read -r name aliases _; do
    if [ -e "$DIR/$name" ]; then
      echo "$name ($aliases): $(head -n 1 "$DIR/$name"), $(sed -n 's/^interpreter //p' "$DIR/$name"), flags $(sed -n 's/^flags: //p' "$DIR/$name")"
    else
      echo "$name ($aliases): not registered"
    fi
  done <"$TABLE"
}

mount_binfmt
[ $# -gt 0 ] || { status; exit 0; }
rc=0
while [ $# -gt 0 ]; do
  case $1 in
    --install) [ $# -ge 2 ] || usage; install_handlers "$2" || rc=1; shift 2 ;;
    --uninstall) [ $# -ge 2 ] || usage; uninstall_handlers "$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "binfmt-install: unknown argument '$1'" >&2; usage ;;
  esac
done
exit "$rc"
SCRIPT
}

# --- OCI image layout ----------------------------------------------------------
# Written by hand: a few sha256 blobs and JSON files; no tool does less.

# Move FILE into the layout's blobs; print "sha256:HEX SIZE".
_oci_blob() {
  local layout=$1 file=$2 hex
  hex=$(sha256sum "$file" | cut -d' ' -f1)
  mkdir -p "$layout/blobs/sha256"
  mv "$file" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $(stat -c %s "$layout/blobs/sha256/$hex")"
}

# Add one platform's image (layer, config, manifest) to WORK/oci and record
# its descriptor, platform included, for the index.
_oci_add_image() {
  local work=$1 tar=$2 arch=$3 config=$4 history=$5 layout="$1/oci"
  local oci_arch variant diff_id layer layer_size cfg cfg_size man man_size
  read -r oci_arch variant _ <<<"$(_seed_platform "$arch")"
  [ "$variant" != - ] || variant=""
  mkdir -p "$layout"
  diff_id="sha256:$(sha256sum "$tar" | cut -d' ' -f1)"
  gzip -n -c "$tar" >"$work/layer.gz"
  read -r layer layer_size <<<"$(_oci_blob "$layout" "$work/layer.gz")"
  jq -nc --arg a "$oci_arch" --arg v "$variant" --arg d "$diff_id" --arg h "$history" --argjson c "$config" \
    '{created: "1970-01-01T00:00:00Z", architecture: $a, os: "linux"}
     + (if $v == "" then {} else {variant: $v} end)
     + {config: $c, rootfs: {type: "layers", diff_ids: [$d]},
        history: [{created: "1970-01-01T00:00:00Z", created_by: $h}]}' >"$work/config.json"
  read -r cfg cfg_size <<<"$(_oci_blob "$layout" "$work/config.json")"
  jq -nc --arg c "$cfg" --argjson cs "$cfg_size" --arg l "$layer" --argjson ls "$layer_size" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
      layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $l, size: $ls}]}' >"$work/manifest.json"
  read -r man man_size <<<"$(_oci_blob "$layout" "$work/manifest.json")"
  jq -nc --arg m "$man" --argjson ms "$man_size" --arg a "$oci_arch" --arg v "$variant" \
    '{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
      platform: ({architecture: $a, os: "linux"} + (if $v == "" then {} else {variant: $v} end))}' \
    >>"$work/descriptors"
}

# Wrap the recorded descriptors in an image index and name it TAG in index.json.
_oci_write_index() {
  local work=$1 tag=$2 layout="$1/oci" idx idx_size
  jq -sc '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' \
    "$work/descriptors" >"$work/index-blob.json"
  read -r idx idx_size <<<"$(_oci_blob "$layout" "$work/index-blob.json")"
  jq -nc --arg i "$idx" --argjson is "$idx_size" --arg t "$tag" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $i, size: $is,
                   annotations: {"org.opencontainers.image.ref.name": $t}}]}' >"$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
}

# Push the whole index unchanged: --preserve-digests forbids any conversion.
_seed_push() {
  local work=$1 image=$2 log
  log="$MULTIARCH_LOGS/seed-push-$(basename "${image%:*}").log"
  _oci_write_index "$work" "${image##*:}"
  info "pushing $REGISTRY_ADDR/$image ($(wc -l <"$work/descriptors") platforms)"
  skopeo copy --all --preserve-digests --dest-tls-verify=false \
    "oci:$work/oci:${image##*:}" "docker://$REGISTRY_ADDR/$image" >"$log" 2>&1 ||
    die_with_log "$log" "pushing $image to $REGISTRY_ADDR failed"
  _seed_present "$image" || die_with_log "$log" "$REGISTRY_ADDR/$image is not an OCI index after the push"
}

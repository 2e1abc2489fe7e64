# shellcheck shell=bash
# QEMU user emulation from Debian, registered in binfmt_misc. Sourced by testbed.sh.
#
# The engine runs a foreign platform's processes through the kernel's binfmt
# handlers. The F (fix-binary) flag makes the kernel open the emulator when the
# handler is registered, so it works inside containers whose rootfs has no QEMU.
# Register BEFORE the engine starts: it probes the platforms it can run at start-up.

BINFMT_DIR=/proc/sys/fs/binfmt_misc
# Debian handler names for the platforms the project targets. Debian registers
# none for i386 on x86_64 (most such kernels run i386 code); qemu_check_platforms checks.
QEMU_HANDLERS=(qemu-aarch64 qemu-arm qemu-ppc64le qemu-s390x qemu-riscv64 qemu-mips64el)
QEMU_I386=qemu-i386
QEMU_PACKAGES=(qemu-user-static binfmt-support)
# The i386 ELF header an executable starts with, and the bits that must match
# (QEMU's own qemu-binfmt-conf.sh values for i386).
QEMU_I386_MAGIC='\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00'
QEMU_I386_MASK='\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'

binfmt_mount() {
  [ -e "$BINFMT_DIR/register" ] && return 0
  modprobe binfmt_misc 2>/dev/null || true
  mount -t binfmt_misc binfmt_misc "$BINFMT_DIR" 2>/dev/null \
    || die "binfmt_misc is not mounted at $BINFMT_DIR and cannot be mounted (needs root and a kernel with CONFIG_BINFMT_MISC); foreign platforms cannot run without it"
}

# Flags of a registered handler, e.g. "PF"; empty when not registered.
binfmt_flags() { sed -n 's/^flags: //p' "$BINFMT_DIR/$1" 2>/dev/null; }

qemu_up() {
  need_packages "${QEMU_PACKAGES[@]}"
  binfmt_mount
  local h
  for h in "${QEMU_HANDLERS[@]}"; do
    [ -f "/usr/share/binfmts/$h" ] || { warn "Debian has no $h handler; skipping"; continue; }
    # A handler registered without F (by hand, or by another tool) fails inside
    # containers: replace it with Debian's.
    if [ -f "$BINFMT_DIR/$h" ] && [[ $(binfmt_flags "$h") != *F* ]]; then
      warn "$h is registered without the F flag; re-registering Debian's"
      echo -1 >"$BINFMT_DIR/$h"
    fi
    if [ ! -f "$BINFMT_DIR/$h" ]; then
      update-binfmts --enable "$h" >>"$MULTIARCH_LOGS/binfmt.log" 2>&1 \
        || update-binfmts --import "$h" >>"$MULTIARCH_LOGS/binfmt.log" 2>&1 \
        || die_with_log "$MULTIARCH_LOGS/binfmt.log" "could not register the $h binfmt handler"
    fi
    [[ $(binfmt_flags "$h") == *F* ]] || die "$h is registered but without the F flag; containers could not use it"
  done
}

qemu_status() {
  local h ok=() missing=()
  for h in "${QEMU_HANDLERS[@]}"; do
    if [[ $(binfmt_flags "$h") == *F* ]] && grep -q '^enabled' "$BINFMT_DIR/$h"; then ok+=("${h#qemu-}"); else missing+=("${h#qemu-}"); fi
  done
  echo "emulators:  ${ok[*]:-none} (binfmt_misc, Debian qemu-user-static, flag F)"
  qemu_i386_status
  platforms_status
  if [ ${#missing[@]} -gt 0 ]; then
    echo "emulators:  MISSING ${missing[*]}"
    return 1
  fi
}

# --- every claimed platform, proven by running one of its programs -------------
# The bed claims the platforms of the busybox it seeds. For each, a real program of that
# architecture (busybox-static from Debian, the seed's cached .deb) runs the way the engine's
# containers will run it: exec'd by the kernel, natively or through a binfmt handler. Where the
# kernel refuses it (exec format error), the platform's QEMU handler is registered (flag F) and the
# program run again. That covers i386: most x86_64 kernels run i386 programs, some refuse them (no
# IA32 emulation, or ia32_emulation=0) although CONFIG_IA32_EMULATION is set; qemu-i386 only goes
# where they are refused, as a handler on a kernel that runs i386 code would put it under QEMU
# for nothing. Run BEFORE the engine starts: it probes the platforms it can run at start-up.
PLATFORMS_FILE="$MULTIARCH_RUN/platforms"

qemu_check_platforms() {
  local arch qemu bin verdict rc out ran=() host_machine
  host_machine=$(uname -m)
  : >"$PLATFORMS_FILE.tmp"
  for arch in "${SEED_BUSYBOX_ARCHES[@]}"; do
    read -r _ _ qemu <<<"$(_seed_platform "$arch")"
    if [[ $SEED_BUSYBOX_OPTIONAL == *" $arch "* ]] && [ -z "$(_seed_cached_deb "$arch")" ]; then
      # Seeded only when the mirror has it (_seed_busybox): no .deb, no such platform here.
      info "platforms: not claiming $arch: no busybox-static:$arch was seeded"
      continue
    fi
    bin=$(_qemu_probe_binary "$arch") ||
      die_with_log "$MULTIARCH_LOGS/seed-apt.log" "no busybox-static for $arch to check that the bed runs $(_seed_platform_name "$arch")"
    rc=0 out=$("$bin" uname -m 2>&1) || rc=$?
    verdict=$(platform_verdict "$host_machine" "$rc" "$out")
    if [ "$verdict" = refused ]; then
      warn "this kernel does not run $arch programs (${out##*: }); registering $(_qemu_handler_name "$qemu")"
      _qemu_register "$qemu"
      rc=0 out=$("$bin" uname -m 2>&1) || rc=$?
      verdict=$(platform_verdict "$host_machine" "$rc" "$out")
    fi
    case $verdict in
      native* | emulated*) ;;
      *) die "$(_seed_platform_name "$arch") does not run here: $bin exited $rc: $out" ;;
    esac
    printf '%-14s %s\n' "$(_seed_platform_name "$arch")" "$verdict" >>"$PLATFORMS_FILE.tmp"
    ran+=("$arch")
  done
  mv "$PLATFORMS_FILE.tmp" "$PLATFORMS_FILE"
  info "platforms: ran a program of each: ${ran[*]} ($(grep -c ' native ' "$PLATFORMS_FILE") native, $(grep -c ' emulated ' "$PLATFORMS_FILE") under QEMU)"
}

# How a probe went, from the machine it ran on (`uname -m` of the host), its exit status and
# its output (`uname -m` as the program saw it): "native MACHINE" when the kernel ran it itself
# (i386 on x86_64 sees the kernel's x86_64), "emulated MACHINE" when an emulator did (QEMU reports
# its own CPU: i686, aarch64...), "refused" for an exec format error (no handler: register one),
# "failed" for anything else. Pure: the unit tests give it each case.
platform_verdict() {
  local host_machine=$1 rc=$2 out=$3
  if [ "$rc" = 0 ] && [[ $out =~ ^[a-z0-9_]+$ ]]; then
    if [ "$out" = "$host_machine" ]; then echo "native $out"; else echo "emulated $out"; fi
  elif [ "$rc" = 126 ] && [[ $out == *"Exec format error"* ]]; then
    echo refused
  else
    echo failed
  fi
}

# An unpacked busybox-static of ARCH, kept per .deb (a new .deb, a new directory).
_qemu_probe_binary() {
  local arch=$1 deb dir
  deb=$(_seed_cached_deb "$arch")
  if [ -z "$deb" ]; then
    _seed_apt_update
    deb=$(_seed_download_deb "$arch") || return 1
  fi
  dir="$MULTIARCH_CACHE/probe/$(basename "$deb" .deb)"
  if [ ! -x "$dir/bin/busybox" ]; then
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    dpkg-deb -x "$deb" "$dir.tmp"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  echo "$dir/bin/busybox"
}

# binfmt_misc name of the handler for QEMU's architecture name.
_qemu_handler_name() { echo "qemu-$1"; }

# Register the handler for QEMU architecture Q: Debian's file when it has one, else (i386 on
# x86_64, which Debian leaves out) QEMU's own magic. Always with the F flag.
_qemu_register() {
  local q=$1 name
  name=$(_qemu_handler_name "$q")
  if [ -f "/usr/share/binfmts/$name" ]; then
    update-binfmts --enable "$name" >>"$MULTIARCH_LOGS/binfmt.log" 2>&1 \
      || update-binfmts --import "$name" >>"$MULTIARCH_LOGS/binfmt.log" 2>&1 \
      || die_with_log "$MULTIARCH_LOGS/binfmt.log" "could not register the $name binfmt handler"
  elif [ "$name" = "$QEMU_I386" ]; then
    [ -x /usr/bin/qemu-i386-static ] || die "qemu-user-static has no /usr/bin/qemu-i386-static"
    printf ':%s:M::%s:%s:/usr/bin/qemu-i386-static:F' "$QEMU_I386" "$QEMU_I386_MAGIC" "$QEMU_I386_MASK" \
      >"$BINFMT_DIR/register" 2>>"$MULTIARCH_LOGS/binfmt.log" \
      || die_with_log "$MULTIARCH_LOGS/binfmt.log" "could not register $QEMU_I386"
  else
    die "no QEMU handler known for $q (Debian's qemu-user-static has no /usr/share/binfmts/$name)"
  fi
  [[ $(binfmt_flags "$name") == *F* ]] || die "$name is registered but without the F flag; containers could not use it"
}

# What the last check found, one line per platform.
platforms_status() {
  if [ -s "$PLATFORMS_FILE" ]; then
    sed 's/^/platform:   /' "$PLATFORMS_FILE"
  else
    echo "platforms:  not checked yet (testbed:up runs a program of each)"
  fi
}

# How linux/386 runs here, for status.
qemu_i386_status() {
  if [ -f "$BINFMT_DIR/$QEMU_I386" ]; then
    echo "i386:       under $QEMU_I386 (this kernel refuses i386 programs)"
  else
    echo "i386:       natively (the kernel runs i386 programs)"
  fi
}

# shellcheck shell=bash
# QEMU user emulation from Debian, registered in binfmt_misc. Sourced by testbed.sh.
#
# The engine runs a foreign platform's processes through the kernel's binfmt
# handlers. The F (fix-binary) flag makes the kernel open the emulator when the
# handler is registered, so it works inside containers whose rootfs has no QEMU.
# Register BEFORE the engine starts: it probes the platforms it can run at start-up.

BINFMT_DIR=/proc/sys/fs/binfmt_misc
# Debian handler names for the platforms the project targets. Debian registers
# none for i386 on x86_64 (most such kernels run i386 code); qemu_i386 checks.
QEMU_HANDLERS=(qemu-aarch64 qemu-arm qemu-ppc64le qemu-s390x qemu-riscv64 qemu-mips64el)
QEMU_I386=qemu-i386
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
  need_packages qemu-user-static binfmt-support
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
  if [ ${#missing[@]} -gt 0 ]; then
    echo "emulators:  MISSING ${missing[*]}"
    return 1
  fi
}

# Some x86_64 kernels refuse i386 programs (no IA32 emulation, or ia32_emulation=0:
# "exec format error") although most run them. Measure it with a real i386
# binary (the busybox-static .deb the seed uses) and register Debian's
# qemu-i386 with the F flag only where the kernel refuses: a handler on a kernel
# that runs i386 code would put it under QEMU for nothing.
qemu_i386() {
  [ "$(uname -m)" = x86_64 ] || return 0
  if [ -f "$BINFMT_DIR/$QEMU_I386" ]; then return 0; fi
  local deb probe
  deb=$(_seed_cached_deb i386) || true
  if [ -z "$deb" ]; then
    _seed_apt_update
    deb=$(_seed_download_deb i386) || die_with_log "$MULTIARCH_LOGS/seed-apt.log" "could not fetch busybox-static:i386 to check whether this kernel runs i386 programs"
  fi
  probe="$MULTIARCH_CACHE/i386-probe"
  rm -rf "$probe" && mkdir -p "$probe"
  dpkg-deb -x "$deb" "$probe"
  if "$probe/bin/busybox" true 2>/dev/null; then
    info "i386: the kernel runs i386 programs itself; no emulator registered"
    return 0
  fi
  warn "this kernel does not run i386 programs; registering $QEMU_I386 (linux/386 runs under QEMU)"
  [ -x /usr/bin/qemu-i386-static ] || die "qemu-user-static has no /usr/bin/qemu-i386-static"
  printf ':%s:M::%s:%s:/usr/bin/qemu-i386-static:F' "$QEMU_I386" "$QEMU_I386_MAGIC" "$QEMU_I386_MASK" \
    >"$BINFMT_DIR/register" 2>>"$MULTIARCH_LOGS/binfmt.log" \
    || die_with_log "$MULTIARCH_LOGS/binfmt.log" "could not register $QEMU_I386"
  "$probe/bin/busybox" true || die "linux/386 still does not run after registering $QEMU_I386"
}

# How linux/386 runs here, for status.
qemu_i386_status() {
  if [ -f "$BINFMT_DIR/$QEMU_I386" ]; then
    echo "i386:       under $QEMU_I386 (this kernel refuses i386 programs)"
  else
    echo "i386:       natively (the kernel runs i386 programs)"
  fi
}

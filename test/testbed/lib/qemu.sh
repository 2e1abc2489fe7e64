# shellcheck shell=bash
# QEMU user emulation from Debian, registered in binfmt_misc. Sourced by testbed.sh.
#
# The engine runs a foreign platform's processes through the kernel's binfmt
# handlers. The F (fix-binary) flag makes the kernel open the emulator when the
# handler is registered, so it works inside containers whose rootfs has no QEMU.
# Register BEFORE the engine starts: it probes the platforms it can run at start-up.

BINFMT_DIR=/proc/sys/fs/binfmt_misc
# Debian handler names for the platforms the project targets. i386 runs natively
# on x86_64 kernels, so Debian registers no handler for it there.
QEMU_HANDLERS=(qemu-aarch64 qemu-arm qemu-ppc64le qemu-s390x qemu-riscv64 qemu-mips64el)

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
  if [ ${#missing[@]} -gt 0 ]; then
    echo "emulators:  MISSING ${missing[*]}"
    return 1
  fi
}

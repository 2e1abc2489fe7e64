# shellcheck shell=bash
# syft, the SBOM generator behind `--sbom`, built once from the Go module proxy and cached
# outside the work tree. Sourced by testbed.sh; never run alone.

SYFT_VERSION=v1.57.1
SYFT_BIN_DIR="$MULTIARCH_CACHE/bin/syft-$SYFT_VERSION"
SYFT_BUILD_LOG="$MULTIARCH_LOGS/syft-build.log"

syft_up() {
  if [ ! -x "$SYFT_BIN_DIR/syft" ]; then
    ensure_go
    need_disk "$MULTIARCH_CACHE" 2
    step "Building syft $SYFT_VERSION from the Go module proxy (for --sbom)"
    info "first time only: 10 to 35 minutes on 2 cores (35 measured with other builds running); log: $SYFT_BUILD_LOG"
    rm -rf "$SYFT_BIN_DIR.tmp" && mkdir -p "$SYFT_BIN_DIR.tmp"
    GOBIN="$SYFT_BIN_DIR.tmp" CGO_ENABLED=0 go install -trimpath \
      -ldflags "-s -w -X main.version=${SYFT_VERSION#v}" \
      "github.com/anchore/syft/cmd/syft@$SYFT_VERSION" >"$SYFT_BUILD_LOG" 2>&1 \
      || die_with_log "$SYFT_BUILD_LOG" "building syft failed"
    rm -rf "$SYFT_BIN_DIR" && mv "$SYFT_BIN_DIR.tmp" "$SYFT_BIN_DIR"
  fi
  # On PATH for every process: the CLI looks syft up there (or in $MULTIARCH_SYFT).
  ln -sf "$SYFT_BIN_DIR/syft" /usr/local/bin/syft
}

syft_status() {
  if [ -x "$SYFT_BIN_DIR/syft" ]; then echo "syft:       $SYFT_VERSION ($SYFT_BIN_DIR)"; else echo "syft:       not built"; return 1; fi
}

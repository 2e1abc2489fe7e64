# shellcheck shell=bash
# actionlint (and shellcheck, which it runs on every `run:` script), for the test that lints the
# example GitHub Actions workflows (examples/github-actions). actionlint is built once from the Go
# module proxy into the cache; shellcheck comes from Debian. Sourced by testbed.sh after
# common.sh and engine.sh (ensure_go).

ACTIONLINT_PACKAGES=(shellcheck)
ACTIONLINT_VERSION=v1.7.12
ACTIONLINT_DIR="$MULTIARCH_CACHE/bin/actionlint-$ACTIONLINT_VERSION"
ACTIONLINT_BIN="$ACTIONLINT_DIR/actionlint"

actionlint_up() {
  need_packages "${ACTIONLINT_PACKAGES[@]}"
  if [ -f "$ACTIONLINT_DIR/.complete" ] && [ -x "$ACTIONLINT_BIN" ]; then return 0; fi
  ensure_go
  local log="$MULTIARCH_LOGS/actionlint-build.log"
  step "Building actionlint $ACTIONLINT_VERSION from the Go module proxy (first time only, about a minute)"
  rm -rf "$ACTIONLINT_DIR.tmp" && mkdir -p "$ACTIONLINT_DIR.tmp"
  GOBIN="$ACTIONLINT_DIR.tmp" CGO_ENABLED=0 go install -ldflags "-s -w" \
    "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >"$log" 2>&1 \
    || die_with_log "$log" "building actionlint failed"
  touch "$ACTIONLINT_DIR.tmp/.complete"
  rm -rf "$ACTIONLINT_DIR" && mv "$ACTIONLINT_DIR.tmp" "$ACTIONLINT_DIR"
}

actionlint_status() {
  if [ -x "$ACTIONLINT_BIN" ] && command -v shellcheck >/dev/null 2>&1; then
    echo "actionlint: $ACTIONLINT_BIN (with $(command -v shellcheck))"
  else
    echo "actionlint: missing (npm run testbed:up builds it)"
    return 1
  fi
}

#!/usr/bin/env bash
# Proves the test bed runs Dagger's real module path: a TypeScript module on the bed's own
# TypeScript runtime (an existing one and one made by `dagger init`), a Go module on the builtin
# Go SDK image, a module importing ExecError as a value failing to load, and module containers
# reaching the registries.
# Usage: bash test/testbed/ts-runtime/check.sh   (after npm run testbed:up; root)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
eval "$(bash "$repo/test/testbed/testbed.sh" env)"
failed=0

# Run a dagger command; print its stdout (and stderr's last lines on failure) and the time.
run() {
  local label=$1 out err rc t0=$SECONDS
  shift
  err=$(mktemp)
  set +e
  out=$("$@" 2>"$err")
  rc=$?
  set -e
  printf '%s (%ss, exit %s): %s\n' "$label" "$((SECONDS - t0))" "$rc" "$*" >&2
  [ -z "$out" ] || printf '%s\n' "$out"
  [ "$rc" = 0 ] || tail -n 15 "$err" >&2
  rm -f "$err"
  LAST_OUT=$out
  return "$rc"
}

expect() {
  local what=$1 want=$2
  if [[ $LAST_OUT == *"$want"* ]]; then
    echo "ok: $what"
  else
    echo "FAILED: $what (wanted '$want')"
    failed=1
  fi
}

smoke="$here/smoke-module"
run "TS functions" dagger -m "$smoke" functions || failed=1
expect "smoke module lists its functions" "uname-on-arm"
run "TS call hello" dagger -m "$smoke" call hello --name bed || failed=1
expect "hello returns a greeting" "hello, bed"
run "TS call uname-on-arm" dagger -m "$smoke" call uname-on-arm || failed=1
expect "busybox on linux/arm64 reports aarch64" "aarch64"
run "TS call registry-get" dagger -m "$smoke" call registry-get --addr "$TESTBED_REGISTRY" || failed=1
expect "a module's container reaches \$TESTBED_REGISTRY/v2/" "200 OK"
run "TS call registry-get (auth)" dagger -m "$smoke" call registry-get --addr "$TESTBED_AUTH_REGISTRY" || true
expect "a module's container reaches \$TESTBED_AUTH_REGISTRY/v2/ (401 without credentials)" "401"

# A module importing ExecError as a value must fail like under Dagger's runtime.
err=$(dagger -m "$here/execerror-module" call is-exec-error 2>&1 || true)
if grep -q "does not provide an export named 'ExecError'" <<<"$err"; then
  echo "ok: importing ExecError as a value fails: $(grep -o "SyntaxError: .*ExecError'" <<<"$err" | head -n 1)"
else
  echo "FAILED: the ExecError module did not fail with the expected message:"
  tail -n 20 <<<"$err"
  failed=1
fi

# A TypeScript module made by `dagger init --sdk=typescript` (the runtime's codegen: sdk/,
# package.json, tsconfig.json and a starter src/index.ts).
tsmod=$(mktemp -d)
(cd "$tsmod" && run "TS init" dagger init --sdk=typescript --name tsinit >/dev/null) || failed=1
run "TS init call hello" dagger -m "$tsmod" call hello || failed=1
expect "a new TypeScript module's hello" "hello, world"
rm -rf "$tsmod"

# A Go module made by `dagger init --sdk=go` (its template pulls alpine, which the bed does not
# seed: the functions are replaced by two of ours). -m: testbed:env sets DAGGER_MODULE.
gomod=$(mktemp -d)
cd "$gomod"
run "Go init" dagger init --sdk=go --name gosmoke --source . . >/dev/null || failed=1
cat >main.go <<'GO'
package main

import (
	"context"
	"strings"

	"dagger/gosmoke/internal/dagger"
)

type Gosmoke struct{}

// A greeting: no container involved
func (m *Gosmoke) Hello(name string) string { return "hello, " + name }

// The machine busybox reports
func (m *Gosmoke) Uname(ctx context.Context) (string, error) {
	out, err := dag.Container().From("busybox").WithExec([]string{"uname", "-m"}).Stdout(ctx)
	return strings.TrimSpace(out), err
}

var _ = dagger.Platform("")
GO
run "Go call hello" dagger -m "$gomod" call hello --name go || failed=1
expect "Go module's hello" "hello, go"
run "Go call uname" dagger -m "$gomod" call uname || failed=1
expect "Go module's uname" "x86_64"
cd "$repo"
rm -rf "$gomod"

[ "$failed" = 0 ] && echo "all checks passed" || { echo "some checks failed" >&2; exit 1; }

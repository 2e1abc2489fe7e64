#!/usr/bin/env bash
# Generate sdk/client.gen.ts (gitignored) from the live engine's GraphQL schema, with the test
# bed's dagger-codegen (github.com/dagger/dagger/cmd/codegen at the pinned version): the
# TypeScript client file that the Dagger TypeScript SDK's module introspector needs to resolve
# the core types (Container, Directory, File, Secret, ...). Same file name and place as the
# module runtime gives the introspector (sdk/client.gen.ts).
#
# Usage: bash test/module/generate-sdk.sh   (needs the test bed: npm run testbed:up)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$repo/sdk/client.gen.ts"

die() { printf 'generate-sdk: %s\n' "$*" >&2; exit 1; }

command -v dagger-codegen >/dev/null 2>&1 \
  || die "dagger-codegen is not installed; 'npm run testbed:up' builds it (test/testbed/lib/engine.sh)"

# Connect like every engine test: to the test bed's engine, unless a session is already given.
if [ -z "${DAGGER_SESSION_PORT:-}" ] && [ -z "${_EXPERIMENTAL_DAGGER_RUNNER_HOST:-}" ]; then
  eval "$(bash "$repo/test/testbed/testbed.sh" env)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! dagger-codegen generate-library --lang typescript --output "$tmp/sdk" >"$tmp/log" 2>&1; then
  cat "$tmp/log" >&2
  die "dagger-codegen failed (is the test bed up? npm run testbed:status)"
fi
[ -s "$tmp/sdk/client.gen.ts" ] || { cat "$tmp/log" >&2; die "dagger-codegen wrote no client.gen.ts"; }

# Replace atomically: another test run may be reading the file.
mkdir -p "$repo/sdk"
mv "$tmp/sdk/client.gen.ts" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$out"

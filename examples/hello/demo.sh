#!/usr/bin/env bash
# `npm run demo`: publish examples/hello for six platforms as ONE image index on the local test
# bed's registry, with the multiarch CLI, as a new user would. Brings the test bed up first when
# it is not running (the first `up` takes a while; see README.md, Test bed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

ADDRESS=127.0.0.1:5000/hello
VERSION=1.0.0
PLATFORMS=linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le,linux/s390x,linux/386

# Only what the demo needs (`up demo`): no SDK images, debian:bookworm-slim for this machine only.
bash test/testbed/testbed.sh status demo >/dev/null 2>&1 || bash test/testbed/testbed.sh up demo
# The bed's engine and CLI, named explicitly (multiarch itself knows nothing of the test bed).
eval "$(bash test/testbed/testbed.sh env)"

echo "Publishing examples/hello to $ADDRESS (tags $VERSION, latest) for $PLATFORMS"
node bin/multiarch.js publish --source examples/hello --address "$ADDRESS" \
  --platforms "$PLATFORMS" --tag "$VERSION" --tag latest

echo
echo "Inspect it:  npx multiarch inspect $ADDRESS:latest"

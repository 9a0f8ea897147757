#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# setup.sh: install what fedc needs on Debian 12 (apt-get, only what is
# missing), then configure and build into build/ (or $FL_BUILD_DIR).
# Usage: deploy/setup.sh [extra cmake -D options]
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="build-essential cmake pkg-config git ca-certificates openssl jq procps
libgrpc-dev protobuf-c-compiler libprotobuf-c-dev libsodium-dev libssl-dev
libopenblas-dev libsqlite3-dev libpq-dev libinih-dev libmicrohttpd-dev"
[ -n "${FL_EXTRA_PKGS:-}" ] && PKGS="$PKGS $FL_EXTRA_PKGS"
# FL_WITH_NODE=1: Node.js and npm for the ONNX tests (tests/onnx), from Debian
# unless node and npm are already on PATH (another vendor's nodejs package
# conflicts with Debian's npm).
if [ -n "${FL_WITH_NODE:-}" ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
  PKGS="$PKGS nodejs npm"
fi

missing=()
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${FL_BUILD_DIR:-build}
echo "setup: building into $build/" >&2
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=${FL_BUILD_TYPE:-Release} "$@" >/dev/null
# FL_BUILD_TARGETS (optional): build only these targets (deploy/package.sh)
# shellcheck disable=SC2086 # a list of target names
cmake --build "$build" -j"$(nproc)" ${FL_BUILD_TARGETS:+--target $FL_BUILD_TARGETS} 2>&1 |
  grep -E "error|warning|Error" || true
test -x "$build/bin/fedc-coordinator" && test -x "$build/bin/fedc-agent" && test -x "$build/bin/fedctl" \
  || { echo "setup: build failed; run 'cmake --build $build' to see why" >&2; exit 1; }
echo "setup: built $build/bin/{fedc-coordinator,fedc-agent,fedctl,fedc-train}" >&2

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# package.sh: builds the Debian packages fedc-coordinator, fedc-agent and
# fedctl into dist/ (CPack DEB; runtime dependencies from dpkg-shlibdeps).
# Installs what it needs first (deploy/setup.sh, plus dpkg-dev).
# Usage: deploy/package.sh [--version V] [--build-dir DIR] [--out DIR]
#   --version V      package version (default: the project's)
#   --build-dir DIR  build folder (default build-pkg; a Release build with
#                    every option at its default, as shipped)
#   --out DIR        where the .deb files go (default dist)
# Install on a Debian 12 machine with:  apt-get install ./dist/*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
version= bdir=build-pkg out=dist
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=$2; shift 2 ;;
    --build-dir) bdir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
FL_EXTRA_PKGS="${FL_EXTRA_PKGS:-} dpkg-dev file" FL_BUILD_DIR=$bdir FL_BUILD_TYPE=Release \
  FL_BUILD_TARGETS="fedc-coordinator fedc-agent fedctl fedc-train" \
  bash deploy/setup.sh -UFL_WERROR -UFL_SANITIZE -UFL_FUZZ -UFL_TEST_HOOKS
# the shipped configuration: no test switch may be in a packaged binary
bash tests/ship_check.sh bin "$bdir/bin"
mkdir -p "$out"
out=$(cd "$out" && pwd)
(cd "$bdir" && cpack -G DEB -B "$out" ${version:+-D CPACK_PACKAGE_VERSION=$version} >/dev/null) ||
  { echo "package.sh: cpack failed; run 'cd $bdir && cpack -G DEB' to see why" >&2; exit 1; }
rm -rf "$out/_CPack_Packages"
for f in "$out"/*"${version:-}"*.deb; do
  echo "package.sh: $f ($(du -k "$f" | cut -f1) KiB): $(dpkg-deb -f "$f" Package Version | tr '\n' ' ')" >&2
done

# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# onnx_npm.sh: sourced by the ONNX tests. onnx_npm_install DIR installs the
# pinned onnxruntime-node (package-lock.json) into DIR/node_modules once per
# lock file; it exits 1 with a clear message (the test FAILS, never skips)
# when node, npm or the npm registry is missing. Its CPU binaries ship inside
# the package; ONNXRUNTIME_NODE_INSTALL=skip stops its install script from
# fetching the optional CUDA ones from outside the registry.
onnx_npm_install() {
  local dir=$1 src tool t0
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  for tool in node npm; do
    command -v $tool >/dev/null || {
      echo "FAIL: '$tool' is not installed; the ONNX tests need Node.js and npm" \
           "(Debian 12: apt-get install nodejs npm, or FL_WITH_NODE=1 deploy/setup.sh)" >&2
      exit 1; }
  done
  # Trust the system's CA store too (Debian's node bundles its own roots):
  # a site behind a TLS-inspecting proxy has that proxy's CA there.
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  fi
  echo "node $(node -v), npm $(npm -v)"
  mkdir -p "$dir"
  (
    flock 9   # tests running in parallel share the folder
    if cmp -s "$src/package-lock.json" "$dir/.installed-lock" &&
       [ -d "$dir/node_modules/onnxruntime-node" ]; then
      exit 0
    fi
    # The registry was found unreachable by the other ONNX test a moment
    # ago (same build folder): skip at once rather than wait out npm's
    # retries a second time.
    if [ -n "$(find "$dir/.unreachable" -mmin -30 2>/dev/null)" ]; then
      cat "$dir/npm.log" >&2
      echo "SKIPPED: the npm registry could not be reached from this machine" \
           "$(( $(date +%s) - $(stat -c %Y "$dir/.unreachable") )) s ago (see above);" \
           "the ONNX runtime check did not run" >&2
      exit 77
    fi
    rm -f "$dir/.unreachable"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    t0=$(date +%s)
    if ! (cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip \
          timeout 600 npm ci --no-audit --no-fund --loglevel=error \
            --fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=8000) >"$dir/npm.log" 2>&1; then
      cat "$dir/npm.log" >&2
      # No route to the registry (DNS, connection, or a TLS-inspecting
      # proxy whose CA this machine does not trust) is not a fedc failure:
      # the test is reported as skipped (exit 77), loudly. Anything else
      # (a bad package, a failing install script) fails the test.
      if grep -Eq 'ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF|CERT_HAS_EXPIRED|certificate' "$dir/npm.log"; then
        touch "$dir/.unreachable"
        echo "SKIPPED: the npm registry cannot be reached from this machine (see above);" \
             "the ONNX runtime check did not run" >&2
        exit 77
      fi
      echo "FAIL: npm ci of onnxruntime-node failed" >&2
      exit 1
    fi
    cp "$src/package-lock.json" "$dir/.installed-lock"
    echo "npm ci: onnxruntime-node installed in $(( $(date +%s) - t0 )) s"
  ) 9>"$dir/.lock" || exit $?
}

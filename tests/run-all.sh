#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# run-all.sh: the test command. Installs what is missing (apt-get), builds
# with -Werror, runs every test (unit, known-answer, fuzz-corpus replay,
# integration with real processes on loopback), then does the same with an
# ASan+UBSan build, and finally runs every libFuzzer target briefly. Both
# test builds have the FEDC_TEST_* test hooks (-DFL_TEST_HOOKS=ON); the
# shipped configuration (build-ship/, no hooks) is built too, and its
# binaries are checked to contain no test switch.
# Every integration test runs twice in the normal build: with the
# coordinator's store in SQLite, then on PostgreSQL (FL_STORE=postgres: each
# test starts its own throwaway server; tests about the SQLite file itself,
# the packages and the PostgreSQL-specific tests skip there). Integration
# tests run two at a time (-j2; a few heavy ones alone: RUN_SERIAL in
# tests/integration/CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}

# stage NAME: a heading with the time since the start (where the minutes go)
stage() { echo "== $1 (at $(( $(date +%s) - start )) s)" >&2; }

run_suite() {   # run_suite BUILD_DIR [LABELS TO LEAVE OUT OF THE INTEGRATION TESTS]
  stage "tests in $1"
  ctest --test-dir "$1" --output-on-failure -LE 'integration|load' -j2
  stage "integration tests in $1"
  ctest --test-dir "$1" --output-on-failure -L integration ${2:+-LE "$2"} -j2
}

start=$(date +%s)
# clang and its runtime for the libFuzzer targets; python3 runs the example
# external trainer; sqlite3 lets tests look into the coordinator database;
# haproxy is the proxy that cuts idle connections in it_keepalive_proxy;
# prometheus (and promtool) scrape and lint the ops listener in it_metrics;
# tinyproxy is the HTTP CONNECT proxy that agents dial through in it_proxy.
# chromium: it_report.sh renders fedctl's job report headless (screenshot, DOM).
# dpkg-dev (dpkg-shlibdeps), file and systemd (systemd-analyze) build and
# check the Debian packages in it_deploy_deb; python3-yaml reads the
# Kubernetes manifests in it_deploy_k8s; debootstrap assembles the
# containers' runtime stage in it_deploy_container.
# postgresql: it_postgres_store, it_pg_failover, it_postgres_migrate,
# it_failover_netcut and the PostgreSQL pass of the integration suite run
# the coordinator's store in a real server.
export FL_EXTRA_PKGS="clang libclang-rt-14-dev python3 sqlite3 haproxy prometheus curl tinyproxy chromium dpkg-dev file systemd python3-yaml debootstrap postgresql"
# The Python client's tests (tests/python): gRPC and protobuf for Python,
# cryptography to sign specs, protoc to generate the message classes,
# numpy for Model.to_numpy (optional for users, tested in python_unit).
FL_EXTRA_PKGS="$FL_EXTRA_PKGS python3-grpcio python3-protobuf python3-cryptography protobuf-compiler python3-numpy"
# Node.js and npm for the ONNX tests (onnxruntime-node runs the exports).
export FL_WITH_NODE=1
FL_BUILD_DIR=build FL_BUILD_TYPE=RelWithDebInfo bash deploy/setup.sh -DFL_WERROR=ON -DFL_SANITIZE= -DFL_TEST_HOOKS=ON
# The shipped configuration, as deploy/setup.sh and demo.sh build it (Release,
# every option at its default): only the four shipped binaries, and not one
# FEDC_TEST_ string in them. (-U: defaults, whatever a stale cache says.)
stage "shipped binaries (build-ship/, default configuration)"
cmake -S . -B build-ship -DCMAKE_BUILD_TYPE=Release -UFL_WERROR -UFL_SANITIZE -UFL_FUZZ -UFL_TEST_HOOKS >/dev/null
cmake --build build-ship -j2 --target fedc-coordinator fedc-agent fedctl fedc-train 2>&1 |
  grep -E "error|warning|Error" || true
bash tests/ship_check.sh bin build-ship/bin
run_suite build
# The whole integration suite again on PostgreSQL (each test starts its own
# server on its own port, so two at a time do not meet). Not the model
# quality targets: they train the same on either store (minutes); nor the
# tests of transport, logs and external programs (label nopg).
stage "integration tests on PostgreSQL in build"
FL_STORE=postgres ctest --test-dir build --output-on-failure -L integration -LE 'targets|nopg' -j2
FL_BUILD_DIR=build-asan FL_BUILD_TYPE=Debug bash deploy/setup.sh -DFL_WERROR=ON -DFL_SANITIZE=address,undefined -DFL_TEST_HOOKS=ON
# The model-quality targets (it_targets), the README walkthrough, the ONNX
# runtime checks (Node.js), the plain training flows (it_train, it_algo) and
# the tests of external programs and benchmarks (label noasan) only in the
# normal build: under ASan they add minutes and no code path the other tests
# do not cover.
run_suite build-asan 'targets|readme|onnx|plain|noasan'
stage "fuzzing (${FL_FUZZ_SECONDS:-6} s per target)"
bash tests/fuzz-run.sh "${FL_FUZZ_SECONDS:-6}"
echo "all test suites passed in $(( $(date +%s) - start )) s" >&2

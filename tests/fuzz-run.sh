#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fuzz-run.sh: builds every fuzz target with clang's libFuzzer (coverage in
# all libraries, ASan+UBSan) and runs each for a short time over a copy of
# its corpus. Prints the executions per target and in total.
# Usage: tests/fuzz-run.sh [SECONDS_PER_TARGET]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
build=${FL_FUZZ_BUILD:-build-fuzz}
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DFL_FUZZ=ON -DFL_WERROR=ON >/dev/null
if ! cmake --build "$build" -j"$(nproc)" --target fl_fuzz_all >"$build/build.log" 2>&1; then
  grep -E "error|warning" "$build/build.log" >&2 || tail -n 30 "$build/build.log" >&2
  echo "fuzz: the clang/libFuzzer build failed" >&2
  exit 1
fi
total=0
fails=0
for bin in "$build"/fuzz/*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus=$(find tests -type d -path "*/corpus/$name" | head -n 1)
  work=$(mktemp -d)
  [ -n "$corpus" ] && cp -r "$corpus"/. "$work"/
  log="$build/$name.log"
  if "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=1024 -print_final_stats=1 "$work" >"$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    [ -n "$runs" ] || runs=$(grep -Eo '#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    runs=${runs:-0}
    echo "fuzz: $name: $runs executions in ${secs}s, no crash"
    total=$((total + runs))
  else
    echo "fuzz: $name: FAILED (see $log)" >&2
    tail -n 30 "$log" >&2
    fails=$((fails + 1))
  fi
  rm -rf "$work"
done
echo "fuzz: $total executions in total"
[ "$total" -gt 0 ] || { echo "fuzz: no fuzz target ran" >&2; exit 1; }
[ $fails -eq 0 ]

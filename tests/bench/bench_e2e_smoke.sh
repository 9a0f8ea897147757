#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test of 'fedc-bench e2e' (not a timing test): 3 sites, a 70-parameter
# model, 3 rounds. The JSON line must parse and hold sane figures (every
# round done, bytes moved, a floor > 0), the work folder must be gone
# afterwards; Ctrl-C (SIGINT) mid-run must stop every daemon and remove the
# folder too; bad options get exit status 2.
set -euo pipefail
FL_BIN=${FL_BIN:?FL_BIN must name the folder with the binaries}
command -v jq >/dev/null || { echo "SKIPPED: jq is needed" >&2; exit 77; }
tmpd=$(mktemp -d -t fedc-bench-smoke.XXXXXX)
pid=
trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true; rm -rf "$tmpd"' EXIT
fails=0
check() {   # check "description" COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; fails=$((fails + 1)); fi
}
num_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a != "null" && a + 0 >= b + 0) }'; }
num_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a != "null" && a + 0 > b + 0) }'; }

# 1. A run to its end.
out=$(TMPDIR=$tmpd "$FL_BIN/fedc-bench" e2e --sites 3 --params 70 --rounds 3 2>"$tmpd/err.txt") || {
  cat "$tmpd/err.txt" >&2; echo "FAIL: fedc-bench e2e exited with an error" >&2; exit 1; }
echo "$out"
check "one JSON line on stdout" test "$(echo "$out" | wc -l)" -eq 1
check "it parses" jq -e . <<<"$out" >/dev/null
get() { jq -r ".$1" <<<"$out"; }
check "rounds_completed = 3" test "$(get rounds_completed)" = 3
check "params = 70 (1-23-1 MLP)" test "$(get params)" = 70
check "floor_ms > 0" num_gt "$(get floor_ms)" 0
check "ratio > 0" num_gt "$(get ratio)" 0
check "round wall time >= its overhead > 0" num_ge "$(get round_wall_ms_median)" "$(get overhead_ms)"
check "overhead_ms > 0" num_gt "$(get overhead_ms)" 0
check "round_wall_ms_max >= median" num_ge "$(get round_wall_ms_max)" "$(get round_wall_ms_median)"
check "bytes up per site > 70 x 4" num_gt "$(get bytes_up_per_site)" 280
check "bytes down per site > 70 x 8" num_gt "$(get bytes_down_per_site)" 560
check "coordinator CPU > 0" num_gt "$(get coord_cpu_s)" 0
check "coordinator peak RSS > 1 MiB" num_gt "$(get coord_peak_rss_kib)" 1024
check "phase times from the coordinator's log" num_gt "$(get phase_ms.advertise)" 0
check "a summary on stderr" grep -q "round wall time" "$tmpd/err.txt"
check "the work folder is removed" bash -c "! ls -d '$tmpd'/fedc-bench-e2e.* 2>/dev/null"

# 2. Ctrl-C once the job runs: everything stops, the folder goes.
TMPDIR=$tmpd "$FL_BIN/fedc-bench" e2e --sites 3 --params 70 --rounds 50 >/dev/null 2>"$tmpd/int.txt" &
pid=$!
for _ in $(seq 1 300); do grep -q "submitted" "$tmpd/int.txt" && break; sleep 0.1; done
check "the job was submitted" grep -q "submitted" "$tmpd/int.txt"
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
pid=
check "SIGINT: exit status 130 (got $rc)" test "$rc" = 130
# ([f]: the pattern must not match this check's own command line)
check "SIGINT: no daemon left" bash -c "! pgrep -f -- '$tmpd/[f]edc-bench-e2e' >/dev/null"
check "SIGINT: the work folder is removed" bash -c "! ls -d '$tmpd'/fedc-bench-e2e.* 2>/dev/null"

# 3. Bad options.
rc=0; "$FL_BIN/fedc-bench" e2e --sites 2 2>"$tmpd/bad.txt" || rc=$?
check "--sites 2: exit 2 with a message" bash -c "[ $rc = 2 ] && grep -q 'from 3' '$tmpd/bad.txt'"
rc=0; "$FL_BIN/fedc-bench" e2e --frobnicate 2>/dev/null || rc=$?
check "unknown option: exit 2" test "$rc" = 2
check "--help names the options" bash -c "'$FL_BIN/fedc-bench' e2e --help | grep -q -- '--params M'"
[ $fails -eq 0 ] || { cat "$tmpd/err.txt" >&2; exit 1; }
echo "all checks passed"

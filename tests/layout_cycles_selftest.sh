#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# layout_cycles_selftest.sh: proves that tests/layout_cycles.sh fails, and
# names the files, on a call cycle (a.o <-> b.o) and on an include cycle
# (x.h <-> y.h), and passes once the cycles are gone.
#   layout_cycles_selftest.sh CHECK_SCRIPT
set -euo pipefail
check=${1:?usage: layout_cycles_selftest.sh CHECK_SCRIPT}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fedc-cycself.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

src=$tmp/src; obj=$tmp/build/lib/CMakeFiles/fl_demo.dir
mkdir -p "$src"/{common,crypto,proto,client,coordinator} "$obj"
# a calls b, b calls a back: one cycle a -> b -> a
cat >"$src/common/demo_a.c" <<'C'
int demo_b(int);
int demo_a(int x) { return x > 0 ? demo_b(x - 1) : 0; }
C
cat >"$src/common/demo_b.c" <<'C'
int demo_a(int);
int demo_b(int x) { return demo_a(x); }
C
# x.h and y.h include each other
printf '#include "demo_y.h"\n' >"$src/common/demo_x.h"
printf '#include "demo_x.h"\n' >"$src/common/demo_y.h"
"$cc" -c -o "$obj/demo_a.c.o" "$src/common/demo_a.c"
"$cc" -c -o "$obj/demo_b.c.o" "$src/common/demo_b.c"

set +e
out=$(bash "$check" "$tmp/build" "$src" 2>&1); rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || bad "the check exited $rc on two cycles (want 1)"
grep -q 'calls in fl_demo has a cycle' <<<"$out" || bad "the call cycle is not reported"
grep -Eq 'demo_a -> demo_b -> demo_a|demo_b -> demo_a -> demo_b' <<<"$out" ||
  bad "the call cycle's files are not named"
grep -q 'includes between files has a cycle' <<<"$out" || bad "the include cycle is not reported"
grep -Eq 'demo_x.h -> demo_y.h|demo_y.h -> demo_x.h' <<<"$out" ||
  bad "the include cycle's files are not named"

# give both a direction: b no longer calls a, y no longer includes x
printf 'int demo_b(int x) { return x; }\n' >"$src/common/demo_b.c"
: >"$src/common/demo_y.h"
"$cc" -c -o "$obj/demo_b.c.o" "$src/common/demo_b.c"
set +e
out=$(bash "$check" "$tmp/build" "$src" 2>&1); rc=$?
set -e
echo "$out"
[ "$rc" -eq 0 ] || bad "the check exited $rc without cycles (want 0)"

if [ "$fails" -ne 0 ]; then exit 1; fi
echo "layout_cycles_selftest: ok"

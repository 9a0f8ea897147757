#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# layout_cycles.sh: proves that no two source files depend on each other,
# directly or in a circle (issue 17: "give each circle a direction").
#   layout_cycles.sh BUILD_DIR SRC_DIR
# Three graphs, each checked with tsort(1), which names the loop it finds:
#  1. Calls, per library or program: an edge A -> B when A.o has an
#     undefined symbol that B.o of the same CMake target defines (nm). This
#     sees through hub headers, which hide who calls whom from an include
#     check. Test, fuzz and bench targets, and generated *.pb-c.o, are left
#     out.
#  2. Includes between files: an edge X -> Y when X has #include "Y".
#  3. Includes between modules: X.c, X.h and X_int.h are one module X, and
#     an edge joins two modules when a file of one includes a header of the
#     other. (A private X_int.h belongs to its module; graph 2 still forbids
#     X.h and X_int.h including each other.)
set -euo pipefail
build=${1:?usage: layout_cycles.sh BUILD_DIR SRC_DIR}
src=${2:?usage: layout_cycles.sh BUILD_DIR SRC_DIR}
fails=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fedc-cyc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# check_graph NAME EDGEFILE: tsort EDGEFILE ("A B" lines); on a loop print
# the loop tsort names and count a failure.
check_graph() {
  local name=$1 edges=$2 out
  [ -s "$edges" ] || return 0
  if ! out=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
    if grep -q 'loop' <<<"$out"; then
      echo "FAIL: $name has a cycle:"
      # tsort prints each loop it breaks: a header line, then its members
      awk '/input contains a loop/ { if (l != "") print "    " l " -> " h; l = ""; next }
           { sub(/^tsort: /, ""); if (l == "") { l = $0; h = $0 } else l = l " -> " $0 }
           END { if (l != "") print "    " l " -> " h }' <<<"$out"
      fails=$((fails + 1))
      return 0
    fi
    echo "layout_cycles: tsort failed on $name: $out" >&2
    exit 2
  fi
  echo "ok: $name ($(wc -l <"$edges") edges, no cycle)"
}

# 1. call graph per CMake target.
targets=0
while IFS= read -r dir; do
  case "$dir" in
  "$build"/tests/* | */_deps/*) continue ;;
  esac
  tname=$(basename "$dir" .dir)
  mapfile -t objs < <(find "$dir" -name '*.o' ! -name '*.pb-c.c.o' ! -name '*.pb-c.o' | sort)
  [ "${#objs[@]}" -ge 2 ] || continue
  targets=$((targets + 1))
  # nm -A: "obj.c.o: symbol type value size"
  nm -P -A "${objs[@]}" | awk -v def="$tmp/def" -v und="$tmp/und" '
    { m = $1; sub(/:$/, "", m); sub(/.*\//, "", m); sub(/\.o$/, "", m); sub(/\.c$/, "", m) }
    $3 == "U" || $3 == "w" { print $2, m > und; next }
    $3 ~ /^[A-TV-Z]$/ { print $2, m > def }'
  # edges: caller callee (join on the symbol), no self-edges
  sort -u "$tmp/def" >"$tmp/def.s"; sort -u "$tmp/und" >"$tmp/und.s"
  join "$tmp/und.s" "$tmp/def.s" | awk '$2 != $3 { print $2, $3 }' | sort -u >"$tmp/edges"
  check_graph "calls in $tname" "$tmp/edges"
done < <(find "$build" -type d -name '*.dir' -path '*/CMakeFiles/*' | sort)
if [ "$targets" -eq 0 ]; then
  echo "layout_cycles: no object files under $build (build first)" >&2
  exit 2
fi

# 2 and 3. include graphs over the shipped sources.
find "$src/common" "$src/crypto" "$src/proto" "$src/client" "$src/coordinator" \
  -type f \( -name '*.c' -o -name '*.h' \) ! -name '*.pb-c.*' -print0 |
  xargs -0 grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' |
  awk -v files="$tmp/files" -v mods="$tmp/mods" '
    function mod(x) { sub(/\.[ch]$/, "", x); sub(/_int$/, "", x); return x }
    { f = $0; sub(/:.*/, "", f); sub(/.*\//, "", f)
      i = $0; sub(/^[^"]*"/, "", i); sub(/".*/, "", i); sub(/.*\//, "", i)
      if (i ~ /\.pb-c\.h$/) next
      if (i != f) print f, i > files
      if (mod(i) != mod(f)) print mod(f), mod(i) > mods }'
touch "$tmp/files" "$tmp/mods"
sort -u -o "$tmp/files" "$tmp/files"; sort -u -o "$tmp/mods" "$tmp/mods"
check_graph "includes between files" "$tmp/files"
check_graph "includes between modules" "$tmp/mods"

if [ "$fails" -ne 0 ]; then
  echo "layout_cycles: $fails graph(s) with a cycle" >&2
  exit 1
fi
echo "layout_cycles: no cycles"

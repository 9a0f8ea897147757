#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# ship_check.sh: proves that a shipped build has no test switch (STYLE.md:
# "A shipped binary has none"); the FEDC_TEST_* hooks exist only in builds
# configured with -DFL_TEST_HOOKS=ON.
#   ship_check.sh bin DIR
#     DIR holds binaries of a build without the hooks: fedc-coordinator,
#     fedc-agent, fedctl and fedc-train must contain no FEDC_TEST_ string and
#     must not say "test hooks: on" in --version. (tests/run-all.sh runs this
#     on build-ship/, and CTest on the build's own bin/ when hooks are off.)
#   ship_check.sh objects SRC_DIR HOOK_BINARY OBJECT...
#     For a hook build: every source file of the shipped code that names a
#     FEDC_TEST_ variable is a *testhook* file, and the OBJECTs (those files,
#     and the mains that print their help, compiled once more without
#     FL_TEST_HOOKS) contain no FEDC_TEST_ string, while HOOK_BINARY (the
#     hook build's coordinator: a control that the search finds them) does.
set -euo pipefail
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

hook_strings() {   # hook_strings FILE: the FEDC_TEST_ names in FILE
  local s
  [ -f "$1" ] || { echo "ship_check: no file $1" >&2; exit 1; }
  s=$(strings -a "$1")
  grep -o 'FEDC_TEST_[A-Z_]*' <<<"$s" | sort -u | tr '\n' ' ' || true
}
no_hook_strings() {   # no_hook_strings FILE
  local hits
  hits=$(hook_strings "$1")
  if [ -n "$hits" ]; then bad "$1 contains $hits"; else echo "ok: $1 has no FEDC_TEST_ string"; fi
}

case "${1:-}" in
bin)
  dir=${2:?usage: ship_check.sh bin DIR}
  for b in fedc-coordinator fedc-agent fedctl fedc-train; do
    if [ ! -x "$dir/$b" ]; then bad "$dir/$b is missing"; continue; fi
    no_hook_strings "$dir/$b"
    if "$dir/$b" --version | grep -q 'test hooks'; then
      bad "$dir/$b --version says it has test hooks"
    fi
  done
  ;;
objects)
  src=${2:?usage: ship_check.sh objects SRC_DIR HOOK_BINARY OBJECT...}
  control=${3:?usage: ship_check.sh objects SRC_DIR HOOK_BINARY OBJECT...}
  shift 3
  if [ -z "$(hook_strings "$control")" ]; then
    bad "control: no FEDC_TEST_ string found in the hook build's $control"
  else
    echo "ok: control: the hook build's $control has $(hook_strings "$control")"
  fi
  [ $# -gt 0 ] || { bad "no objects given"; exit 1; }
  others=$(cd "$src" && grep -rl --include='*.[ch]' 'FEDC_TEST_' coordinator client common crypto proto |
           grep -v 'testhook' || true)
  if [ -n "$others" ]; then
    bad "FEDC_TEST_ outside the *testhook* files: $others"
  else
    echo "ok: only the *testhook* files name FEDC_TEST_ variables"
  fi
  for o in "$@"; do no_hook_strings "$o"; done
  ;;
*)
  echo "usage: ship_check.sh bin DIR | objects SRC_DIR HOOK_BINARY OBJECT..." >&2
  exit 2
  ;;
esac
[ $fails -eq 0 ] || { echo "$fails check(s) failed: a shipped build would have a test switch" >&2; exit 1; }
echo "no test switch in the shipped build"

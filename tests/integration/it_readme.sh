#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the README's "Creating a consortium, step by step" block,
# run exactly as written (bash -e), with only its folders and port made
# local to the test. Asserted from its output and files: the factories
# enrolled by token and ran the job to the end, the viewer could not abort,
# the ledger verified, the revoked factory is shown revoked and the others
# installed the CRL.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

block=$(awk '/<!-- walkthrough: tested by tests\/integration\/it_readme.sh -->/ { on = 1; next }
             on && /^```sh$/ { inblock = 1; next }
             inblock && /^```$/ { exit }
             inblock { print }' "$top/README.md")
it_check "the README has the walkthrough block" test -n "$block"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
walk=$FL_WORK/walk
mkdir -p "$walk"
# The same commands; only where they run: the binaries under test, a free
# port, and a folder of this test.
script=$(printf '%s\n' "$block" |
  sed -e "s|^top=\$PWD; export PATH=\$top/build/bin:\$PATH$|top='$top'; export PATH='$FL_BIN':\$PATH|" \
      -e "s|^port=17443$|port=$port|" \
      -e "s|^work=\$(mktemp -d); cd \"\$work\"$|work='$walk'; cd \"\$work\"|")
it_check "only the three local lines were adapted" \
  test "$(diff <(printf '%s\n' "$block") <(printf '%s\n' "$script") | grep -c '^>')" = 3
rc=0
(cd "$top" && timeout 300 bash -e -o pipefail -c "$script") >"$FL_WORK/walk.out" 2>&1 || rc=$?
cat "$FL_WORK/walk.out"
it_check "the walkthrough ran to its end (exit $rc)" test "$rc" = 0
it_check "four factories enrolled" test "$(ls "$walk"/factory*/factory*.key 2>/dev/null | wc -l)" = 4
it_check "the offline-signed member list (version 1, 4 sites)" \
  bash -c "grep -qx 'version 1' '$walk/members.txt' && test \$(grep -c '^member ' '$walk/members.txt') = 4"
it_check "factory1 pinned the member list" test -s "$walk/factory1/members.txt"
it_check "the keys stayed 0600" test "$(stat -c %a "$walk/factory1/factory1.key")" = 600
it_check "the job finished" grep -q "done" "$FL_WORK/walk.out"
it_check "the model was saved" test -s "$walk/model.json"
it_check "round show gave round 1's attempt and its survivors" \
  bash -c "grep -q '^round 1 attempt 1 (train): done, 4 of 4' '$FL_WORK/walk.out' &&
           grep -q '^  survivors: factory1 factory2 factory3 factory4' '$FL_WORK/walk.out'"
it_check "model list gave version 0 and a SHA-256" grep -Eq '^0 +0 .* [0-9a-f]{64}$' "$FL_WORK/walk.out"
it_check "bob could not abort (exit 5)" grep -q "bob may not abort (exit 5)" "$FL_WORK/walk.out"
it_check "the ledger verified" grep -qi "ledger.*ok\|verified" "$FL_WORK/walk.out"
it_check "factory3 is listed as revoked" grep -q "factory3.*revoked" "$FL_WORK/walk.out"
it_check "factory1 installed the CRL" grep -q "installed CRL 1" "$walk/factory1/agent.log"
it_check "no process of the walkthrough is left" \
  bash -c "! pgrep -f '[f]edc-coordinator --config coordinator.ini' >/dev/null"
it_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: who may talk to the coordinator, and what bad input does.
# A certificate from another CA is refused at the handshake; an unknown site
# is refused; a viewer cannot submit; a bad spec gets a clear error; malformed
# and out-of-round messages get error statuses and the coordinator keeps
# serving.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

fl_pki site1 stranger
bash "$top/deploy/gen-certs.sh" "$FL_WORK/foreign" site1 >/dev/null
fl_start_coordinator
fl_ctl site add site1 >/dev/null

# Another CA's operator certificate: refused at the TLS handshake.
set +e
"$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/foreign/operator.pem" --key "$FL_WORK/foreign/operator.key" job list >"$FL_WORK/out" 2>&1
rc=$?
set -e
it_check "operator cert from another CA refused (exit $rc: $(head -c 200 "$FL_WORK/out"))" test $rc -eq 3

# Another CA's site certificate: the agent cannot poll.
set +e
"$FL_BIN/it_badclient" "127.0.0.1:$FL_PORT" "$FL_WORK/pki/ca.pem" "$FL_WORK/foreign/site1.pem" \
  "$FL_WORK/foreign/site1.key" >"$FL_WORK/out" 2>&1
rc=$?
set -e
it_check "site cert from another CA refused" grep -q "FAIL: a good poll works first: status 14" "$FL_WORK/out"

# A site the operator never added.
set +e
fl_start_agent stranger breast_cancer "$top/data/breast_cancer.csv"
sleep 1.5
set -e
it_check "unknown site refused with a clear message" grep -q "unknown site" "$FL_WORK/stranger/agent.log"
it_check "unknown site not listed online" test "$(fl_ctl --json site list | jq '[.sites[] | select(.name == "stranger")] | length')" = 0

# A viewer cannot submit or abort.
set +e
fl_ctl_as viewer job submit "$top/deploy/jobs/breast-cancer-logistic.ini" >"$FL_WORK/out" 2>&1
rc=$?
set -e
it_check "viewer cannot submit (exit $rc)" test $rc -eq 5
it_check "viewer can list jobs" fl_ctl_as viewer job list

# A bad spec is refused with the parser's message.
printf '[job]\nname = x\ndataset = d\nmodel = softmax\nlabel = y\nlabels = a\nrounds = 0\n' > "$FL_WORK/bad.ini"
set +e
fl_ctl job submit "$FL_WORK/bad.ini" >"$FL_WORK/out" 2>&1
rc=$?
set -e
it_check "bad spec refused (exit $rc: $(head -c 200 "$FL_WORK/out"))" test $rc -eq 6

# Malformed, oversized, unknown and out-of-round messages from a real site.
set +e
"$FL_BIN/it_badclient" "127.0.0.1:$FL_PORT" "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/site1.pem" \
  "$FL_WORK/pki/site1.key" >"$FL_WORK/out" 2>&1
rc=$?
set -e
cat "$FL_WORK/out"
it_check "hostile messages refused, coordinator still serving" test $rc -eq 0
it_check "coordinator process still alive" kill -0 "$FL_COORD_PID"
it_done

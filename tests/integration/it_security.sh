#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: who may talk to the coordinator, and what bad input does.
# A certificate from another CA is refused at the handshake; an unknown site
# is refused; a viewer cannot submit; a bad spec gets a clear error; malformed
# and out-of-round messages get error statuses and the coordinator keeps
# serving.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

fl_pki site1 stranger site2 site3 mallory
fl_pki_in "$FL_WORK/foreign" site1
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

# ---- Hostile messages inside a secure-aggregation round ----
# mallory, a registered site, ignores round 0 (statistics; it is dropped in
# the advertise phase) and is selected in round 1 (training) with three
# honest sites (n = 4, t = 3). it_badclient --secagg attacks every phase
# with messages for
# the wrong job/round/attempt/phase, replays, another site's client id or
# certificate, wrong lengths and huge counts (each must get the status it
# names), shares honestly, never uploads and is dropped in the input phase.
# The attempt must still complete from the 3 honest sites and the job must
# reach its normal accuracy; the attacked round's model must be the FedAvg
# of the honest sites' own records.
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
for s in site2 site3 mallory; do fl_ctl site add "$s" >/dev/null; done
"$FL_BIN/it_badclient" --secagg "127.0.0.1:$FL_PORT" "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/mallory.pem" \
  "$FL_WORK/pki/mallory.key" "$FL_WORK/pki/site1.pem" breast_cancer >"$FL_WORK/mallory.out" 2>&1 &
mallory=$!
for i in $(seq 1 100); do grep -q polling "$FL_WORK/mallory.out" && break; sleep 0.1; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
for i in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 4 ] && break
  sleep 0.1
done
sed -e 's/^timeout = .*/timeout = 5/' -e 's/^name = .*/name = hostile-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/hostile.ini"
rounds=$(sed -n 's/^rounds = //p' "$FL_WORK/hostile.ini")
job=$(fl_ctl --json job submit "$FL_WORK/hostile.ini" | jq -r .job_id)
set +e
for i in $(seq 1 1800); do kill -0 $mallory 2>/dev/null || break; sleep 0.1; done
kill $mallory 2>/dev/null
wait $mallory
rc=$?
set -e
cat "$FL_WORK/mallory.out"
it_check "every hostile secagg message got its status (it_badclient exit $rc)" test $rc -eq 0
timeout 400 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
status=$(fl_ctl --json job status "$job")
state=$(echo "$status" | jq -r .job.state)
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
# the round mallory attacked
hr=$(sed -n 's/^selected: job [0-9]* round \([0-9]*\) .*/\1/p' "$FL_WORK/mallory.out")
r1=$(echo "$status" | jq -c --argjson r "${hr:-0}" '[.rounds[] | select(.round == $r and .state == "done")] | last')
echo "hostile job: state $state, $(echo "$status" | jq -r .job.rounds_done)/$rounds rounds, accuracy $acc; attacked round: $r1"
it_check "the job finished despite the hostile site" test "$state" = done
it_check "all $rounds rounds done" test "$(echo "$status" | jq -r .job.rounds_done)" = "$rounds"
it_check "accuracy $acc >= 0.94" it_ge "$acc" 0.94
it_check "the attacked round ${hr:-?} had 4 sites selected" test "$(echo "$r1" | jq -r .selected)" = 4
it_check "the attacked round was aggregated from the 3 honest sites on its first attempt" \
  test "$(echo "$r1" | jq -r '.survived, .attempt' | tr '\n' ' ')" = "3 1 "
if [ -n "$hr" ] && [ "$hr" -ge 1 ]; then
  fl_ctl model get "$job" --version $((hr - 1)) -o "$FL_WORK/before.model" >/dev/null
  fl_ctl model get "$job" --version "$hr" -o "$FL_WORK/after.model" >/dev/null
  rec=records/job$job-round$hr-attempt1.json
  out=$("$FL_BIN/it_fedavg_check" "$FL_WORK/after.model" "$FL_WORK/before.model" \
    "$FL_WORK/site1/$rec" "$FL_WORK/site2/$rec" "$FL_WORK/site3/$rec" || true)
  diff=$(echo "$out" | awk '/^max_abs_diff/ { print $2 }')
fi
it_check "attacked round's model = previous + FedAvg of the honest records (diff ${diff:-none} <= 1e-3)" \
  it_ge 1e-3 "${diff:-1}"
it_check "coordinator process still alive after the hostile round" kill -0 "$FL_COORD_PID"
it_done

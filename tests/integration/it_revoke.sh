#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: revocation. A coordinator with its CA online and 5 sites run
# a job; midway an operator runs 'fedctl site revoke site5' (while site5's
# agent is down: it crashes before its round-3 upload, FEDC_TEST_EXIT_AT,
# and comes back after the revocation; a site that leaves between its
# upload and its survivor-list signature would abort the attempt, and by
# SECAGG.md R6 the others never sum that input again with another set of
# sites, so a revocation at a random moment could fail the job). Asserted: the
# next call of site5 is refused (PERMISSION_DENIED, "revoked"), the job
# completes with the other four and no round finished after the
# revocation includes site5, and every other agent installed the CA-signed
# CRL that lists site5's serial. Then the coordinator is restarted with
# FEDC_TEST_SERVE_REVOKED=1 (it keeps serving revoked sites, as a
# compromised one would): the agents refuse site5's round keys with their
# CRL, and a second job still completes without it. A viewer cannot
# revoke; an unknown site is exit 4.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)

sites=(site1 site2 site3 site4 site5)
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 5 --iid >/dev/null
fl_pki "${sites[@]}"
FL_COORD_CA=1 fl_start_coordinator
for s in "${sites[@]}"; do fl_ctl site add "$s" --no-token >/dev/null; done
for s in site1 site2 site3 site4; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
FL_AGENT_ENV="FEDC_TEST_EXIT_AT=input:3" fl_start_agent site5 breast_cancer "$FL_WORK/data/site5.csv"
serial5=$(openssl x509 -in "$FL_WORK/pki/site5.pem" -noout -serial | cut -d= -f2)

sed -e 's/^rounds = .*/rounds = 6/' -e 's/^timeout = .*/timeout = 4/' \
  -e 's/^min_clients = .*/min_clients = 3/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
watch() {
  timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$1" >/dev/null || true
}

# 1. Refusals before anything changes.
rc=0; fl_ctl_as viewer site revoke site5 >"$FL_WORK/out" 2>&1 || rc=$?
it_check "a viewer cannot revoke (exit $rc)" test "$rc" = 5
rc=0; fl_ctl site revoke nosuch >"$FL_WORK/out" 2>&1 || rc=$?
cat "$FL_WORK/out"
it_check "revoking an unknown site: exit 4 (got $rc)" test "$rc" = 4
it_check "  and it says so" grep -q "no site 'nosuch'" "$FL_WORK/out"

# 2. Revoke site5 in the middle of a job.
for _ in $(seq 1 100); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 5 ] && break
  sleep 0.1
done
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
for _ in $(seq 1 600); do
  kill -0 "${FL_AGENT_PID[site5]}" 2>/dev/null || break
  sleep 0.1
done
fl_ctl site revoke site5 | tee "$FL_WORK/revoke.out"
revoked_ms=$(($(date +%s%N) / 1000000))
# site5 comes back (without the hook): its next call is refused
fl_start_agent site5 breast_cancer "$FL_WORK/data/site5.csv"
it_check "site revoke reports the revocation" grep -q "site 'site5' revoked" "$FL_WORK/revoke.out"
it_check "site list shows site5 revoked" \
  jq -e '.sites[] | select(.name == "site5") | .revoked == true' <<<"$(fl_ctl --json site list)"
watch "$job"
status=$(fl_ctl --json job status "$job")
it_check "the job completes without site5" test "$(jq -r .job.state <<<"$status")" = done
after=$(jq -c --argjson t "$revoked_ms" '[.rounds[] | select(.state == "done" and .started_ms > $t) | .participants] ' <<<"$status")
echo "participants of the rounds started after the revocation: $after"
it_check "rounds after the revocation ran" test "$(jq 'length' <<<"$after")" -ge 1
it_check "  and none includes site5" jq -e 'all(.[]; index("site5") == null)' <<<"$after"
it_check "site5's calls are refused as revoked" grep -q "revoked" "$FL_WORK/site5/agent.log"
for s in site1 site2 site3 site4; do
  it_check "$s installed the CRL" grep -q "installed CRL 1" "$FL_WORK/$s/agent.log"
  it_check "$s's crl.pem is CA-signed and lists site5 ($serial5)" \
    bash -c "openssl crl -in '$FL_WORK/$s/crl.pem' -CAfile '$FL_WORK/pki/ca.pem' -noout 2>&1 | grep -q 'verify OK' &&
             openssl crl -in '$FL_WORK/$s/crl.pem' -noout -text | grep -qi 'Serial Number: *$serial5'"
done
it_check "the revocation is audited" \
  grep -q '^operator revoke site site site5; CRL 1' <(it_sql "SELECT who || ' ' || action || ' ' || detail FROM audit")

# 3. A coordinator that still serves site5: the agents' CRL keeps it out.
kill -TERM "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
FL_PORT_WANTED=$FL_PORT FL_COORD_CA=1 FL_COORD_ENV="FEDC_TEST_SERVE_REVOKED=1" fl_start_coordinator
it_check "the test hook is announced" grep -q "FEDC_TEST_SERVE_REVOKED=1" "$FL_WORK/coordinator/coordinator.log"
# site5's agent backs off after its refusals: restart it so that it polls now.
# The old one may be inside a poll of the coordinator that just restarted:
# wait for it to exit, or the new one finds its state folder locked.
kill -TERM "${FL_AGENT_PID[site5]}" 2>/dev/null || true
wait "${FL_AGENT_PID[site5]}" 2>/dev/null || true
fl_start_agent site5 breast_cancer "$FL_WORK/data/site5.csv"
for _ in $(seq 1 100); do
  jq -e '.sites[] | select(.name == "site5") | .online == true' <<<"$(fl_ctl --json site list)" >/dev/null && break
  sleep 0.1
done
sed -e 's/^rounds = .*/rounds = 2/' "$FL_WORK/job.ini" > "$FL_WORK/job2.ini"
job2=$(fl_ctl --json job submit "$FL_WORK/job2.ini" | jq -r .job_id)
watch "$job2"
status=$(fl_ctl --json job status "$job2")
it_check "job 2 completes" test "$(jq -r .job.state <<<"$status")" = done
sel=$(jq -c '[.rounds[] | select(.state == "done") | .selected]' <<<"$status")
surv=$(jq -c '[.rounds[] | select(.state == "done") | .participants]' <<<"$status")
echo "job 2: selected per round $sel; survivors $surv"
it_check "site5 was selected again (the hook works)" jq -e 'any(.[]; . == 5)' <<<"$sel"
it_check "site5 survived no round of job 2" jq -e 'all(.[]; index("site5") == null)' <<<"$surv"
refusals=0
for s in site1 site2 site3 site4; do
  grep -q "refused peer [0-9]* (certificate CN 'site5'): .*revoked" "$FL_WORK/$s/agent.log" && refusals=$((refusals + 1))
done
it_check "the other agents refused site5's keys as revoked ($refusals of 4 logged it)" test "$refusals" -ge 2
it_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration, R10 (stale data as the attack): the coordinator chooses which
# CRLs it announces, so it could keep a revoked peer in by announcing no new
# one. site1 holds a CA-signed CRL that is past its nextUpdate (the
# coordinator never announced a fresher one). Asserted: site1 refuses to
# advertise in every round attempt of job 1 with one line "refused round
# J/R: R10: the CRL (number 1) expired at TIME; waiting for a fresh one",
# and the job completes without it; then an operator publishes a fresh CRL
# made offline ('fedctl ca revoke', 'fedctl crl publish'), site1 fetches it
# and takes part in job 2. On code without R10, site1 advertises in job 1.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

sites=(site1 site2 site3 site4 site5)
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 5 --iid >/dev/null
fl_pki "${sites[@]}"
fl_start_coordinator
for s in "${sites[@]}"; do fl_ctl site add "$s" --no-token >/dev/null; done
# CRL 1, signed by the CA, expired an hour ago, in site1's state folder.
mkdir -p "$FL_WORK/site1"
"$FL_BIN/it_mkcrl" "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/ca.key" 1 -3600 > "$FL_WORK/site1/crl.pem"
it_check "the stale CRL verifies against the CA" \
  bash -c "openssl crl -in '$FL_WORK/site1/crl.pem' -CAfile '$FL_WORK/pki/ca.pem' -noout 2>&1 | grep -q 'verify OK'"
for s in "${sites[@]}"; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

sed -e 's/^rounds = .*/rounds = 2/' -e 's/^timeout = .*/timeout = 4/' \
  -e 's/^min_clients = .*/min_clients = 3/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
watch() {
  timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$1" >/dev/null || true
}

# 1. Job 1: site1 refuses every attempt.
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
watch "$job"
status=$(fl_ctl --json job status "$job")
surv=$(jq -c '[.rounds[] | select(.state == "done") | .participants]' <<<"$status")
echo "job 1 survivors per round: $surv"
it_check "job 1 completes" test "$(jq -r .job.state <<<"$status")" = done
it_check "site1 survived no round of job 1" jq -e 'all(.[]; index("site1") == null)' <<<"$surv"
it_check "site1 logged the R10 refusal" \
  grep -Eq "refused round $job/[0-9]+: R10: the CRL \(number 1\) expired at [0-9T:-]+Z; waiting for a fresh one" "$FL_WORK/site1/agent.log"
it_check "site1 advertised no round keys in job 1" \
  bash -c "! grep -q 'job $job round .* advertised fresh round keys' '$FL_WORK/site1/agent.log'"
grep -m 3 "R10" "$FL_WORK/site1/agent.log"

# 2. A fresh CRL, made offline and published: site1 takes part again.
"$FL_BIN/fedctl" ca revoke --dir "$FL_WORK/pki" --number 2 >/dev/null
fl_ctl crl publish "$FL_WORK/pki/crl.pem" >/dev/null
for _ in $(seq 1 100); do
  grep -q "installed CRL 2" "$FL_WORK/site1/agent.log" && break
  sleep 0.1
done
it_check "site1 fetched the fresh CRL 2 (it still polls while refusing)" \
  grep -q "installed CRL 2" "$FL_WORK/site1/agent.log"
sed -e 's/^rounds = .*/rounds = 1/' "$FL_WORK/job.ini" > "$FL_WORK/job2.ini"
job2=$(fl_ctl --json job submit "$FL_WORK/job2.ini" | jq -r .job_id)
watch "$job2"
status=$(fl_ctl --json job status "$job2")
surv=$(jq -c '[.rounds[] | select(.state == "done") | .participants]' <<<"$status")
echo "job 2 survivors per round: $surv"
it_check "job 2 completes" test "$(jq -r .job.state <<<"$status")" = done
it_check "site1 took part in job 2" jq -e 'all(.[]; index("site1") != null)' <<<"$surv"
it_check "site1 logged no R10 refusal for job 2" \
  bash -c "! grep -q 'refused round $job2/' '$FL_WORK/site1/agent.log'"
it_done

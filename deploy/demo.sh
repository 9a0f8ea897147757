#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# demo.sh: the main job. Installs and builds fedc (deploy/setup.sh), then runs
# a local consortium on loopback: a CA, a coordinator with its SQLite store,
# four factory sites each holding an uneven (non-IID) share of the NASA
# shuttle sensor data, and an operator who submits a 7-class job with fedctl
# and watches it round by round, then writes the job's training report
# (demo-run/demo-report.html). Ends with the global model's accuracy beside
# a centralised reference trained on the union of the sites' data, and stops
# everything cleanly. Everything it makes is in demo-run/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh

export FL_WORK=$PWD/demo-run
rm -rf "$FL_WORK"; mkdir -p "$FL_WORK"
source deploy/consortium.sh
trap fl_stop_all EXIT

echo "== 1. Each factory gets an uneven share of data/shuttle.csv (it never leaves the site)"
bash deploy/split-csv.sh data/shuttle.csv "$FL_WORK/data" 4 \
  'Rad.Flow=5:3:1:1;High=1:6:2:1;Bypass=2:1:6:1;Fpv.Open=1:1:6:2;Fpv.Close=6:1:1:2;Bpv.Open=1:6:1:2;Bpv.Close=1:1:2:6'

echo "== 2. Consortium CA (fedctl ca init), coordinator and operator certificates"
echo "   (fedctl ca issue); each site makes its own key and CSR (fedc-agent csr)"
echo "   and the CA signs the CSR (fedctl ca sign); the CA signs the member list"
echo "   offline (fedctl ca members), which every agent pins"
fl_pki site1 site2 site3 site4
echo "   $FL_WORK/pki/ca.pem, one key pair per member, $FL_WORK/pki/members.txt"

echo "== 3. Coordinator on loopback (mutual TLS, SQLite store)"
fl_start_coordinator
echo "   listening on 127.0.0.1:$FL_PORT, state in $FL_WORK/coordinator/coordinator.db"

echo "== 4. The operator registers the four sites"
for s in site1 site2 site3 site4; do fl_ctl site add "$s" >/dev/null; done
fl_ctl site list

echo "== 5. Four factory agents dial out to the coordinator (each with the default"
echo "   policy against an untrusted coordinator: summed only with at least 3"
echo "   honest sites, 1 of the others possibly colluding: so 4 sites per round)"
for s in site1 site2 site3 site4; do fl_start_agent "$s" shuttle "$FL_WORK/data/$s.csv"; done
for i in $(seq 1 50); do
  [ "$(fl_ctl --json site list | jq '[.sites[] | select(.online)] | length')" -ge 4 ] && break
  sleep 0.2
done

echo "== 6. Submit the job (deploy/jobs/shuttle-softmax.ini) and watch it"
job=$(fl_ctl --json job submit deploy/jobs/shuttle-softmax.ini | jq -r .job_id)
echo "   job $job submitted"
fl_ctl job watch "$job"

echo "== 7. Save the global model"
fl_ctl model get "$job" -o "$FL_WORK/shuttle-model.bin"
fl_ctl model get "$job" --format json -o "$FL_WORK/shuttle-model.json"
echo "   $FL_WORK/shuttle-model.bin (native), $FL_WORK/shuttle-model.json (summary)"

echo "== 8. The coordinator's signed round ledger, checked offline against the CA"
fl_ctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
"$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$FL_WORK/pki/ca.pem"
"$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$FL_WORK/pki/ca.pem" \
  --records "$FL_WORK/site1/records" --site site1 | tail -n 2

echo "== 9. The training report: one self-contained HTML file (no scripts, nothing fetched)"
fl_ctl job report "$job" -o "$FL_WORK/demo-report.html" --spec deploy/jobs/shuttle-softmax.ini 2>/dev/null
echo "   $FL_WORK/demo-report.html: curves per round (loss, accuracy, macro-F1), sites"
echo "   per round, round and phase durations, final metrics, model SHA-256, ledger head"

echo "== 10. Centralised reference: the same model trained on all the data in one place"
fed_acc=$(fl_ctl --json job status "$job" | jq -r .job.metrics.accuracy)
central=$("$FL_BIN/fedc-train" --json --spec deploy/jobs/shuttle-softmax.ini \
  --data "$FL_WORK/data/site1.csv" --data "$FL_WORK/data/site2.csv" --data "$FL_WORK/data/site3.csv" \
  --data "$FL_WORK/data/site4.csv")
cen_acc=$(echo "$central" | jq -r .accuracy)
check=$("$FL_BIN/fedc-train" --json --eval "$FL_WORK/shuttle-model.bin" --spec deploy/jobs/shuttle-softmax.ini \
  --data "$FL_WORK/data/site1.csv" --data "$FL_WORK/data/site2.csv" --data "$FL_WORK/data/site3.csv" \
  --data "$FL_WORK/data/site4.csv" | jq -r .accuracy)

echo
echo "== Result"
printf '   federated global model (4 sites, non-IID): test accuracy %.4f\n' "$fed_acc"
printf '   saved model re-evaluated offline:          test accuracy %.4f\n' "$check"
printf '   centralised reference (all data pooled):   test accuracy %.4f\n' "$cen_acc"
awk -v f="$fed_acc" -v c="$cen_acc" 'BEGIN { d = (c - f) * 100; printf "   gap: %.2f points (%s)\n", d, (d <= 2 ? "within 2 points" : "MORE than 2 points") }'
echo "   model: $FL_WORK/shuttle-model.bin; report: $FL_WORK/demo-report.html; logs: $FL_WORK/*/*.log"

echo "== 11. Stopping the consortium"
fl_stop_all
trap - EXIT
echo "   done"

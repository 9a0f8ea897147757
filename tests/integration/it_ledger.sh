#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the signed round ledger. Three agents run a 4-round
# breast_cancer job; the ledger is exported and verified offline (entries =
# stats + 4 trains + eval), each site's own records match it, the latest
# model's digest is in it, and an edited entry, a deleted entry or a forged
# record is caught with the entry (or round) named.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
pki=$FL_WORK/pki

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

sed -e 's/^rounds = .*/rounds = 4/' -e 's/^timeout = .*/timeout = 8/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 300 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$pki/ca.pem" \
  --cert "$pki/operator.pem" --key "$pki/operator.key" job watch "$job" >/dev/null || true
state=$(fl_ctl --json job status "$job" | jq -r .job.state)
it_check "job finished (state $state)" test "$state" = done

# Export (admin) and verify offline.
fl_ctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "ledger verifies" test "$rc" = 0
it_check "6 entries (stats, 4 trains, eval)" grep -q "^ledger: 6 entries verified, last hash [0-9a-f]\{64\}$" <<<"$out"
json=$("$FL_BIN/fedctl" --json ledger verify "$FL_WORK/ledger.txt" --ca "$pki/ca.pem")
it_check "--json says ok with 6 entries" test "$(jq -r '"\(.ok) \(.entries)"' <<<"$json")" = "true 6"
kinds=$(grep -o '"kind":"[a-z]*"' "$FL_WORK/ledger.txt" | cut -d'"' -f4 | tr '\n' ' ')
it_check "entry kinds in order ($kinds)" test "$kinds" = "stats train train train train eval "

# A viewer may export too; a site may not.
it_check "viewer can export" fl_ctl_as viewer ledger export -o "$FL_WORK/ledger-viewer.txt"
it_check "viewer's export verifies" "$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger-viewer.txt" --ca "$pki/ca.pem"
fl_ctl_as site1 ledger export -o "$FL_WORK/ledger-site.txt" 2>/dev/null && rc=0 || rc=$?
it_check "a site certificate is refused (exit $rc)" test "$rc" = 5

# The latest model as downloaded is the one the ledger's last TRAIN entry names.
fl_ctl model get "$job" -o "$FL_WORK/model.bin" >/dev/null
want=$(grep '"kind":"train"' "$FL_WORK/ledger.txt" | tail -n 1 | cut -f1 | jq -r .model_sha256)
got=$(sha256sum "$FL_WORK/model.bin" | cut -d' ' -f1)
it_check "latest model digest is in the ledger" test "$want" = "$got"

# Each site's own records agree with the ledger.
for s in site1 site2 site3; do
  out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$pki/ca.pem" \
    --records "$FL_WORK/$s/records" --site "$s" 2>&1) && rc=0 || rc=$?
  it_check "$s records match the ledger" test "$rc" = 0
  it_check "$s: 6 records checked" grep -q "^ledger: site $s: 6 records match" <<<"$out"
done

# An edited entry (entry 3's survivors) is caught and named.
sed '/"seq":3,/s/"survivors":\["site1"/"survivors":["site9"/' "$FL_WORK/ledger.txt" > "$FL_WORK/edited.txt"
it_check "the edit changed the file" bash -c "! cmp -s '$FL_WORK/ledger.txt' '$FL_WORK/edited.txt'"
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/edited.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "edited entry: exit 1" test "$rc" = 1
it_check "edited entry: names entry 3" grep -q "^ledger: entry 3: " <<<"$out"

# A deleted entry is caught.
sed '/"seq":2,/d' "$FL_WORK/ledger.txt" > "$FL_WORK/deleted.txt"
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/deleted.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "deleted entry: exit 1" test "$rc" = 1
it_check "deleted entry: reported" grep -q "^ledger: entry 3: seq 3 where 2 was expected" <<<"$out"

# A site's record naming another model is caught.
rec=$(ls "$FL_WORK/site1/records/job$job-round2-attempt"*.json | head -n 1)
perl -pi -e 's/("model_sha256": ")(.)/$1.($2 eq "0" ? "1" : "0")/e' "$rec"
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$pki/ca.pem" \
  --records "$FL_WORK/site1/records" --site site1 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "forged record: exit 1" test "$rc" = 1
it_check "forged record: names the round" grep -q "^ledger: site site1 round 2: " <<<"$out"
it_done

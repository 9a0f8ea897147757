#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: four honest agents (real fedc-agent processes, T = 3, c = 0)
# against a malicious coordinator, it_evil_coord, which holds the
# coordinator's certificate and an admin's and drives round attempts itself
# (SECAGG.md "Threat model: the coordinator is not trusted"):
#   1. sybil keys (R1, R4). First a context with a fifth participant named
#      after the coordinator's certificate: every site must refuse the
#      attempt before it advertises (R1: only members are named). Then,
#      with the four sites' names only, each site's key list replaces two of its three
#      peers with adverts signed, for the right context, by the coordinator's
#      and the admin's certificates under the peers' names. Every site must
#      refuse both (R1), refuse to share with its one real peer (R4), and
#      the coordinator must receive no share, least of all for a sybil id.
#   2. per-site survivor lists (R5): honest keys, shares and uploads; sites
#      1 and 2 are shown S1 = {1,2,3,4}, sites 3 and 4 S2 = {2,3,4} (with
#      n = 4 and q = 3, a list of two survivors could never be signed, so S2
#      drops site 1 only). Each signs its own list; each is then asked to
#      unmask with the two signatures of its list, and in a second attempt
#      with all four signatures mixed across the lists. Every site must
#      refuse to unmask (R5) and the coordinator must receive no unmask share.
#   3. after it exits, the real coordinator runs a normal job with the same
#      agents (same certificates, member list and state folders) to the end.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
pki=$FL_WORK/pki

if [ ! -x "$FL_BIN/it_evil_coord" ]; then
  echo "SKIPPED: $FL_BIN/it_evil_coord is not built" >&2
  exit 77
fi
# This test's sites trust each other not to collude (c = 0): q = 3 for n = 4.
if grep -q FL_AGENT_TRUST "$top/deploy/consortium.sh"; then
  export FL_AGENT_TRUST="colluders = 0"
else
  export FL_AGENT_POLICY=$'[policy]\ncolluders = 0'
fi
sites="site1 site2 site3 site4"
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 --iid >/dev/null
# shellcheck disable=SC2086 # a list of site names
fl_pki $sites

# ---- the malicious coordinator ----
# shellcheck disable=SC2086
"$FL_BIN/it_evil_coord" --port-file "$FL_WORK/evil.port" --ca "$pki/ca.pem" \
  --cert "$pki/coordinator.pem" --key "$pki/coordinator.key" \
  --admin-cert "$pki/operator.pem" --admin-key "$pki/operator.key" \
  --members "$pki/members.txt" $sites >"$FL_WORK/evil.out" 2>&1 &
evil=$!
FL_PIDS+=("$evil")
for _ in $(seq 1 100); do [ -s "$FL_WORK/evil.port" ] && break; sleep 0.1; done
[ -s "$FL_WORK/evil.port" ] || { cat "$FL_WORK/evil.out" >&2; fl_die "it_evil_coord did not start"; }
FL_PORT=$(cat "$FL_WORK/evil.port")
for s in $sites; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
set +e
for _ in $(seq 1 1200); do kill -0 "$evil" 2>/dev/null || break; sleep 0.1; done
kill "$evil" 2>/dev/null
wait "$evil"
rc=$?
set -e
cat "$FL_WORK/evil.out"
it_check "the evil coordinator served every scenario as planned (exit $rc)" test $rc -eq 0

log() { cat "$FL_WORK/$1/agent.log"; }
# grep reads the file itself: under pipefail, 'cat | grep -q' fails when grep
# exits at its first match while cat still writes a log larger than the pipe
has() { grep -qE "$2" "$FL_WORK/$1/agent.log"; }
# what the evil coordinator itself received
result() { grep -E "^evil: RESULT $1: " "$FL_WORK/evil.out" | head -1; }

# ---- 1. sybil keys ----
r1="refused job 100 round 0 attempt 1 \(stats advertise\): R1: the context names 'coordinator' as site 5, not a member"
for s in $sites; do
  it_check "$s refused a context naming the coordinator as a participant (R1)" has "$s" "$r1"
  # this check failed twice in about 20 runs and the log dump at the end is
  # cut: show what the site said up to job 101
  has "$s" "$r1" || { echo "-- $s's log up to job 101:"; log "$s" | sed '/job 101 /q' || true; }
done
r0=$(result extra-id)
echo "extra-id: $r0"
it_check "the evil coordinator served 4 tasks and received no advert" \
  grep -q "tasks served 4, adverts received 0$" <<<"$r0"
for s in $sites; do
  it_check "$s refused the peer forged with the coordinator's certificate (R1)" \
    has "$s" "job 101 round 0 attempt 1 stats share: refused peer [0-9]+ \(certificate CN 'coordinator'\): R1: its certificate is not the member"
  it_check "$s refused the peer forged with the admin's certificate (R1)" \
    has "$s" "job 101 round 0 attempt 1 stats share: refused peer [0-9]+ \(certificate CN 'operator'\): R1: its certificate is not the member"
  it_check "$s refused to share keys with one real peer (R4)" \
    has "$s" "refused job 101 round 0 attempt 1 \(stats share\): R4: only 1 of my 3 neighbours have valid member keys"
  it_check "$s sent no shares in the sybil attempt" \
    bash -c "! grep -q 'job 101 round 0 attempt 1 stats share: checked' '$FL_WORK/$s/agent.log'"
done
r1=$(result sybil)
echo "sybil: $r1"
it_check "the evil coordinator served 4 forged key lists" grep -q "key lists served 4," <<<"$r1"
it_check "the evil coordinator received no shares at all" grep -q "PutShares received 0," <<<"$r1"
it_check "the evil coordinator received no share for a sybil id" grep -q "addressed to sybil ids 0$" <<<"$r1"

# ---- 2. per-site survivor lists, then mixed signatures ----
for s in $sites; do
  for j in 102 103; do
    it_check "$s uploaded and signed one survivor list in job $j" \
      has "$s" "job $j round 0 attempt 1 stats consistency: signed the survivor list"
  done
  it_check "$s refused to unmask with 2 signatures of its list (R5)" \
    has "$s" "refused job 102 round 0 attempt 1 \(stats unmask\): R5: the survivor list carries 2 valid signatures; 3 are needed"
  it_check "$s refused to unmask with the other list's signatures mixed in (R5)" \
    has "$s" "refused job 103 round 0 attempt 1 \(stats unmask\): R5: site [0-9]+'s signature of the survivor list does not verify"
  it_check "$s sent no unmasking shares" \
    bash -c "! grep -q 'sent [0-9]* unmasking shares' '$FL_WORK/$s/agent.log'"
done
for sc in survivors mixed; do
  r2=$(result $sc)
  echo "$sc: $r2"
  it_check "$sc: 4 uploads, S1 and S2 signed by 2 sites each" \
    grep -q "uploads 4, signatures of S1 2, of S2 2," <<<"$r2"
  it_check "$sc: 4 unmask requests served, no unmask share received" \
    grep -q "unmask requests served 4, PutUnmask received 0$" <<<"$r2"
done
it_check "no PutUnmask ever reached the evil coordinator" \
  bash -c "! grep -q 'RECEIVED PutUnmask' '$FL_WORK/evil.out'"

# ---- 3. the real coordinator, same agents ----
for s in $sites; do
  kill -TERM "${FL_AGENT_PID[$s]}" 2>/dev/null || true
  wait "${FL_AGENT_PID[$s]}" 2>/dev/null || true
done
fl_start_coordinator
for s in $sites; do fl_ctl site add "$s" >/dev/null; done
for s in $sites; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
sed -e 's/^timeout = .*/timeout = 10/' -e 's/^rounds = .*/rounds = 4/' \
  -e 's/^name = .*/name = after-the-evil-coordinator/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 150 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$pki/ca.pem" \
  --cert "$pki/operator.pem" --key "$pki/operator.key" job watch "$job" >/dev/null || true
status=$(fl_ctl --json job status "$job")
state=$(echo "$status" | jq -r .job.state)
acc=$(echo "$status" | jq -r .job.metrics.accuracy)
echo "real coordinator afterwards: job $job state $state, $(echo "$status" | jq -r .job.rounds_done) rounds, accuracy $acc"
it_check "the same agents finish a normal job with the real coordinator" test "$state" = "done"
it_check "accuracy $acc >= 0.9" it_ge "$acc" 0.9

it_done

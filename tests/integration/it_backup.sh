#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: 'fedctl admin backup' while a job runs, and a restore. Three
# agents run a 16-round job; once two rounds are done an operator takes an
# online backup (the coordinator copies its database with SQLite's backup
# API while the job goes on). The copy must be a whole database (sqlite3
# integrity_check) holding the job as running, mode 0600, and a viewer may
# not take one. Then the coordinator is stopped and started again from the
# copy as its database (the original moved aside), on the same port: it
# resumes the job the way a restarted coordinator does, the job ends done,
# and the ledger exported from the restored coordinator verifies offline.
# The rounds the lost timeline finished after the backup are run again: the
# agents skip each attempt number they already joined (an attempt is joined
# once), so each such round first loses one attempt to its phase deadline,
# kept short here ([round] timeout = 2), and the coordinator is stopped
# right after the backup.
IT_SQLITE_ONLY="admin backup copies the SQLite file (with PostgreSQL the backup is pg_dump: it_postgres_store)"
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v sqlite3 >/dev/null || { echo "SKIPPED: sqlite3 is not installed (tests/run-all.sh installs it)" >&2; exit 77; }
pki=$FL_WORK/pki
cdir=$FL_WORK/coordinator

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
port=$FL_PORT
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

sed -e 's/^name = .*/name = backup-test/' -e 's/^rounds = .*/rounds = 16/' \
  -e 's/^timeout = .*/timeout = 2/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
for i in $(seq 1 300); do
  [ "$(fl_ctl --json job status "$job" | jq -r .job.rounds_done)" -ge 2 ] && break
  sleep 0.1
done

out=$(fl_ctl --json admin backup "$FL_WORK/backup.db")
# Restore: stop the coordinator, put the copy in place of its database.
kill -TERM "$FL_COORD_PID"
echo "$out"
read -r bstate bdone < <(sqlite3 "$FL_WORK/backup.db" "SELECT state, rounds_done FROM jobs WHERE id = $job" | tr '|' ' ')
echo "job $job in the copy: $bstate, $bdone rounds done"
it_check "the copy holds the job as running ($bstate)" test "$bstate" = running
it_check "the copy was taken mid-job ($bdone of 16 rounds)" bash -c "[ '$bdone' -ge 2 ] && [ '$bdone' -lt 16 ]"
it_check "the copy passes sqlite3's integrity check" test "$(sqlite3 "$FL_WORK/backup.db" 'PRAGMA integrity_check')" = ok
it_check "the copy's SHA-256 is the one fedctl reported" \
  test "$(sha256sum "$FL_WORK/backup.db" | cut -d' ' -f1)" = "$(jq -r .sha256 <<<"$out")"
it_check "the copy is mode 0600" test "$(stat -c %a "$FL_WORK/backup.db")" = 600
it_check "the coordinator left no temp file" bash -c "! ls '$cdir'/*.backup-* 2>/dev/null"

for i in $(seq 1 100); do kill -0 "$FL_COORD_PID" 2>/dev/null || break; sleep 0.1; done
mkdir -p "$FL_WORK/orig"
mv "$cdir"/coordinator.db* "$FL_WORK/orig/"
cp "$FL_WORK/backup.db" "$cdir/coordinator.db"
audit=$(sqlite3 "$FL_WORK/orig/coordinator.db" "SELECT count(*) FROM audit WHERE action = 'backup' AND who = 'operator'")
it_check "the original's audit log records the backup ($audit)" test "$audit" = 1
FL_PORT_WANTED=$port fl_start_coordinator
state=
for i in $(seq 1 900); do
  state=$(fl_ctl --json job status "$job" | jq -r .job.state)
  case $state in done|failed|aborted) break ;; esac
  sleep 0.1
done
echo "job $job after the restore: $state"
it_check "the restored coordinator resumed the job to done ($state)" test "$state" = done
it_check "it resumed the job from the copy" grep -q "job $job 'backup-test' resumes at round" "$cdir/coordinator.log"
fl_ctl ledger export -o "$FL_WORK/ledger.txt" >/dev/null
out=$("$FL_BIN/fedctl" ledger verify "$FL_WORK/ledger.txt" --ca "$pki/ca.pem" 2>&1) && rc=0 || rc=$?
echo "$out"
it_check "the restored ledger verifies (exit $rc)" test "$rc" = 0
rc=0; fl_ctl_as viewer admin backup "$FL_WORK/viewer.db" >/dev/null 2>&1 || rc=$?
it_check "a viewer may not take a backup (exit 5, got $rc)" test "$rc" = 5
it_check "and no file is left" test ! -e "$FL_WORK/viewer.db"
it_check "one entry per round (stats, 16 trains, eval)" grep -q "^ledger: 18 entries verified" <<<"$out"
it_done

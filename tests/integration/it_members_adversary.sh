#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# it_members_adversary: the CA-signed member list (SECAGG.md R1) and a
# coordinator that tries to change it. One agent, no job. Asserted: the
# agent pins version 1 from the coordinator (state_dir/members.txt), then
# accepts version 2; it refuses a version-1 list that a restarted
# coordinator announces as version 9 (a rollback), a list re-signed by
# another CA (the coordinator trusts that CA too, the agent does not), and
# keeps version 2 through its own restart. Also: 'fedctl ca members'
# refusals and a coordinator that will not start with a bad list.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks   # FEDC_TEST_MEMBERS_ANNOUNCE

fl_pki site1 site2 site3
fl_pki_in "$FL_WORK/evil" site1 site2 site3
pki=$FL_WORK/pki
it_check "fl_pki wrote members.txt (version 1, 3 sites)" \
  grep -qx "version 1" "$pki/members.txt"

# fedctl ca members refusals
rc=0; err=$("$FL_BIN/fedctl" ca members --dir "$pki" --version 1 -o "$FL_WORK/m.txt" "$pki/operator.pem" 2>&1) || rc=$?
it_check "an admin certificate is refused (rc $rc: $err)" bash -c "[ $rc -eq 6 ] && grep -q \"only site certificates\" <<<'$err'"
rc=0; err=$("$FL_BIN/fedctl" ca members --dir "$pki" --version 1 -o "$FL_WORK/m.txt" "$pki/site1.pem" "$pki/site1.pem=other" 2>&1) || rc=$?
it_check "a CN twice is refused (rc $rc: $err)" bash -c "[ $rc -eq 6 ] && grep -q \"listed twice\" <<<'$err'"
rc=0; err=$("$FL_BIN/fedctl" ca members --dir "$pki" --version 0 -o "$FL_WORK/m.txt" "$pki/site1.pem" 2>&1) || rc=$?
it_check "version 0 is refused (rc $rc)" test $rc -eq 2
rc=0; err=$("$FL_BIN/fedctl" ca members --dir "$pki" --version 1 -o "$FL_WORK/m.txt" "$FL_WORK/evil/site1.pem" 2>&1) || rc=$?
it_check "another CA's site is refused (rc $rc: $err)" bash -c "[ $rc -eq 6 ] && grep -q \"not issued by this CA\" <<<'$err'"
rc=0; err=$("$FL_BIN/fedctl" ca members --dir "$pki" --version 1 -o "$pki/members.txt" "$pki/site1.pem" 2>&1) || rc=$?
it_check "rewriting members.txt needs a higher version (rc $rc: $err)" bash -c "[ $rc -eq 6 ] && grep -q \"version 2 or more\" <<<'$err'"

# a coordinator refuses to start with a list the CA did not sign
mkdir -p "$FL_WORK/coordinator"
cp "$FL_WORK/evil/members.txt" "$FL_WORK/bad-members.txt"
printf '[coordinator]\nlisten = 127.0.0.1:0\ndatabase = bad.db\nmembers = ../bad-members.txt\n[tls]\nca = ../pki/ca.pem\ncert = ../pki/coordinator.pem\nkey = ../pki/coordinator.key\n' \
  > "$FL_WORK/coordinator/bad.ini"
rc=0; err=$(timeout 20 "$FL_BIN/fedc-coordinator" --config "$FL_WORK/coordinator/bad.ini" 2>&1) || rc=$?
it_check "the coordinator will not start with a foreign list (rc $rc)" \
  bash -c "[ $rc -eq 1 ] && grep -q 'not signed by the consortium CA' <<<\"\$0\"" "$err"

wait_log() {   # wait_log FILE PATTERN: up to 40 s
  local i
  for i in $(seq 1 400); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
restart_coordinator() {   # restart_coordinator [ENV]: same port
  kill -TERM "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
  FL_PORT_WANTED=$FL_PORT FL_COORD_ENV="${1:-}" fl_start_coordinator
}
alog=$FL_WORK/site1/agent.log

# 1. version 1 from the coordinator
fl_start_coordinator
fl_ctl site add site1 --no-token >/dev/null
mkdir -p "$FL_WORK/data"
head -n 40 "$(dirname "$0")/../../data/breast_cancer.csv" > "$FL_WORK/data/site1.csv"
fl_start_agent site1 breast_cancer "$FL_WORK/data/site1.csv"
it_check "agent takes version 1 from the coordinator" \
  wait_log "$alog" "member list version 1 (3 sites) from the coordinator, signed by the CA"
it_check "agent stored it in its state folder" cmp -s "$pki/members.txt" "$FL_WORK/site1/members.txt"

# 2. version 2 (site3 left the consortium)
cp "$pki/members.txt" "$FL_WORK/members-v1.txt"
fl_members_in "$pki" 2 "$pki/site1" "$pki/site2"
restart_coordinator
it_check "agent accepts version 2" \
  wait_log "$alog" "member list version 2 (2 sites) from the coordinator, signed by the CA"

# 3. a rollback: the old list, announced as version 9
cp "$FL_WORK/members-v1.txt" "$pki/members.txt"
restart_coordinator "FEDC_TEST_MEMBERS_ANNOUNCE=9"
it_check "agent refuses the older list as a rollback" \
  wait_log "$alog" "refusing the coordinator's member list version 1: not newer than version 2 held (a rollback attempt)"

# 4. a list re-signed by another CA that the coordinator trusts
cat "$pki/ca.pem" "$FL_WORK/evil/ca.pem" > "$FL_WORK/both-ca.pem"
"$FL_BIN/fedctl" ca members --dir "$FL_WORK/evil" --version 5 -o "$FL_WORK/evil/members.txt" \
  "$FL_WORK/evil/site1.pem" >/dev/null
cp "$FL_WORK/evil/members.txt" "$pki/members.txt"
sed -i 's|^ca = ../pki/ca.pem|ca = ../both-ca.pem|' "$FL_WORK/coordinator/coordinator.ini"
kill -TERM "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
"$FL_BIN/fedc-coordinator" --config "$FL_WORK/coordinator/coordinator.ini" --listen "127.0.0.1:$FL_PORT" \
  >>"$FL_WORK/coordinator/coordinator.log" 2>&1 &
FL_COORD_PID=$!; FL_PIDS+=("$FL_COORD_PID")
it_check "agent refuses a list signed by another CA" \
  wait_log "$alog" "refusing the coordinator's member list: the member list is not signed by the consortium CA; keeping version 2"
it_check "the pinned file is still version 2" grep -qx "version 2" "$FL_WORK/site1/members.txt"

# 5. the agent keeps version 2 through a restart
kill -TERM "${FL_AGENT_PID[site1]}"; wait "${FL_AGENT_PID[site1]}" 2>/dev/null || true
fl_start_agent site1 breast_cancer "$FL_WORK/data/site1.csv"
it_check "restarted agent loads version 2 from its state folder" \
  wait_log "$alog" "member list version 2 (2 sites) from .*/members.txt, signed by the CA"
it_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: 'fedctl crl publish' of a CRL made offline ('fedctl ca
# revoke', the CA key never on the coordinator). Asserted: CRL 2 revoking
# site3 and an admin (operator2) is accepted; from then on operator2's
# Control calls are refused (exit 5, "revoked by CRL 2"), site3's calls are
# refused, and the other agents install CRL 2; the older CRL 1, and CRL 2
# again, are refused with the number held; a viewer cannot publish; the CRL
# survives a coordinator restart; a CRL within a day of its nextUpdate
# makes the coordinator warn (R10), and with the CA online it is re-signed
# before it expires, keeping its serials.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

sites=(site1 site2 site3)
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
fl_pki "${sites[@]}"
"$FL_BIN/fedctl" ca issue operator2 --role admin --dir "$FL_WORK/pki" >/dev/null
fl_start_coordinator
for s in "${sites[@]}"; do fl_ctl site add "$s" --no-token >/dev/null; done
for s in "${sites[@]}"; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

rc=0; fl_ctl_as operator2 job list >/dev/null 2>&1 || rc=$?
it_check "operator2 may use the Control service before (exit $rc)" test "$rc" = 0

# The offline CA: CRL 1 revokes site3, CRL 2 also operator2.
"$FL_BIN/fedctl" ca revoke "$FL_WORK/pki/site3.pem" --dir "$FL_WORK/pki" >/dev/null
cp "$FL_WORK/pki/crl.pem" "$FL_WORK/crl1.pem"
"$FL_BIN/fedctl" ca revoke "$FL_WORK/pki/operator2.pem" --dir "$FL_WORK/pki" >/dev/null
cp "$FL_WORK/pki/crl.pem" "$FL_WORK/crl2.pem"

rc=0; fl_ctl_as viewer crl publish "$FL_WORK/crl2.pem" >"$FL_WORK/out" 2>&1 || rc=$?
it_check "a viewer cannot publish a CRL (exit $rc)" test "$rc" = 5
fl_ctl crl publish "$FL_WORK/crl2.pem" | tee "$FL_WORK/pub.out"
it_check "crl publish reports CRL 2" grep -q "^CRL 2 published (2 revoked" "$FL_WORK/pub.out"

rc=0; fl_ctl_as operator2 job list >"$FL_WORK/out" 2>&1 || rc=$?
cat "$FL_WORK/out"
it_check "the revoked admin is refused (exit $rc)" test "$rc" = 5
it_check "  with a clear message" grep -q "'operator2' (role admin, serial .*) is revoked by CRL 2" "$FL_WORK/out"
rc=0; fl_ctl_as operator2 crl publish "$FL_WORK/crl2.pem" >/dev/null 2>&1 || rc=$?
it_check "the revoked admin cannot publish either (exit $rc)" test "$rc" = 5
rc=0; fl_ctl job list >/dev/null || rc=$?
it_check "the other admin still may (exit $rc)" test "$rc" = 0

rc=0; fl_ctl crl publish "$FL_WORK/crl1.pem" >"$FL_WORK/out" 2>&1 || rc=$?
cat "$FL_WORK/out"
it_check "an older CRL is refused (exit $rc)" test "$rc" != 0
it_check "  saying which number the coordinator holds" grep -q "CRL 1 refused: the coordinator holds CRL 2" "$FL_WORK/out"
rc=0; fl_ctl crl publish "$FL_WORK/crl2.pem" >"$FL_WORK/out" 2>&1 || rc=$?
it_check "the same CRL again is refused (exit $rc)" test "$rc" != 0
rc=0; fl_ctl crl publish "$FL_WORK/pki/ca.pem" >"$FL_WORK/out" 2>&1 || rc=$?
it_check "a file that is no CRL is refused locally (exit $rc)" test "$rc" = 6

for _ in $(seq 1 100); do
  grep -q "installed CRL 2" "$FL_WORK/site1/agent.log" && grep -q "installed CRL 2" "$FL_WORK/site2/agent.log" && break
  sleep 0.1
done
for s in site1 site2; do
  it_check "$s installed CRL 2" grep -q "installed CRL 2" "$FL_WORK/$s/agent.log"
done
for _ in $(seq 1 50); do
  grep -q "revoked by CRL 2" "$FL_WORK/site3/agent.log" && break
  sleep 0.1
done
it_check "site3's calls are refused as revoked" grep -q "revoked by CRL 2" "$FL_WORK/site3/agent.log"
it_check "the publication is audited" \
  grep -q '^operator publish crl CRL 2 (2 serials)' <(it_sql "SELECT who || ' ' || action || ' ' || detail FROM audit")

# A restart keeps CRL 2 in force.
kill -TERM "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
FL_PORT_WANTED=$FL_PORT fl_start_coordinator
rc=0; fl_ctl_as operator2 job list >"$FL_WORK/out" 2>&1 || rc=$?
it_check "after a restart the revoked admin is still refused (exit $rc)" test "$rc" = 5
rc=0; fl_ctl crl publish "$FL_WORK/crl1.pem" >/dev/null 2>&1 || rc=$?
it_check "  and CRL 1 still refused (exit $rc)" test "$rc" != 0

# A CRL that expires within a day: the honest coordinator warns.
"$FL_BIN/it_mkcrl" "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/ca.key" 3 7200 \
  "$(openssl x509 -in "$FL_WORK/pki/site3.pem" -noout -serial | cut -d= -f2)" \
  "$(openssl x509 -in "$FL_WORK/pki/operator2.pem" -noout -serial | cut -d= -f2)" > "$FL_WORK/crl3.pem"
fl_ctl crl publish "$FL_WORK/crl3.pem" >/dev/null
for _ in $(seq 1 50); do
  grep -q "CRL 3 expires at .* (within a day)" "$FL_WORK/coordinator/coordinator.log" && break
  sleep 0.1
done
it_check "the coordinator warns that CRL 3 expires within a day" \
  grep -q "CRL 3 expires at .* (within a day)" "$FL_WORK/coordinator/coordinator.log"
"$FL_BIN/it_mkcrl" "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/ca.key" 10 -60 > "$FL_WORK/crl10.pem"
rc=0; fl_ctl crl publish "$FL_WORK/crl10.pem" >"$FL_WORK/out" 2>&1 || rc=$?
it_check "an expired CRL is refused (exit $rc)" grep -q "CRL 10 refused: it expired at" "$FL_WORK/out"

# With the CA online, the coordinator re-signs a CRL near its nextUpdate
# (same serials, next number), so agents never hold an expired one.
kill -TERM "$FL_COORD_PID"; wait "$FL_COORD_PID" 2>/dev/null || true
FL_PORT_WANTED=$FL_PORT FL_COORD_CA=1 fl_start_coordinator
for _ in $(seq 1 100); do
  grep -q "installed CRL 4" "$FL_WORK/site1/agent.log" && break
  sleep 0.1
done
it_check "the online CA re-signed CRL 3 as CRL 4"   grep -q "CRL re-signed by the online CA before its next update: CRL 4 (2 serials)" "$FL_WORK/coordinator/coordinator.log"
it_check "  and the agents installed it" grep -q "installed CRL 4" "$FL_WORK/site1/agent.log"
rc=0; fl_ctl_as operator2 job list >"$FL_WORK/out" 2>&1 || rc=$?
it_check "  and it still revokes operator2 (exit $rc)" grep -q "revoked by CRL 4" "$FL_WORK/out"
it_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: enrollment by one-time token. A coordinator with its CA
# online ([ca]); three sites certified by hand (fedc-agent csr + fedctl ca
# sign) and a fourth enrolled by token ('fedctl site add' prints it,
# 'fedc-agent enroll' uses it) that then takes part in a job. Refusals: a
# used token, an expired token, a token from another consortium, garbage.
# No private key crosses the network (the coordinator's Enroll dump hook),
# and the database holds no token in clear. A site renews its certificate
# (FEDC_TEST_RENEW_NOW=1) and goes on taking part.
source "$(dirname "$0")/it_lib.sh"
it_need_hooks
top=$(cd "$(dirname "$0")/../.." && pwd)

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 4 '0=3:3:2:2;1=2:3:2:3' >/dev/null
fl_pki site1 site2 site3
mkdir -p "$FL_WORK/dump"
# sign_members: the online CA signs a new member list version for each
# enrolled or renewed site (its new key), so they take part in rounds.
FL_COORD_CA=1 FL_COORD_CA_EXTRA="sign_members = true" \
  FL_COORD_ENV="FEDC_TEST_DUMP_ENROLL=$FL_WORK/dump" fl_start_coordinator
it_check "the dump hook is announced" grep -q "FEDC_TEST_DUMP_ENROLL" "$FL_WORK/coordinator/coordinator.log"
for s in site1 site2 site3; do fl_ctl site add "$s" --no-token >/dev/null; done
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
old_serial=$(serial_of "$FL_WORK/pki/site3.pem")
for s in site1 site2; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
# site3 renews its certificate once at start (testing hook), then works on
FL_AGENT_ENV="FEDC_TEST_RENEW_NOW=1" fl_start_agent site3 breast_cancer "$FL_WORK/data/site3.csv"

# 1. site add prints a token and the command to run at the site.
out=$(fl_ctl site add site4)
echo "$out"
tok=$(echo "$out" | sed -n 's/^  \(fedc1\.[0-9a-f.]*\)$/\1/p' | head -1)
it_check "site add printed a token" test -n "$tok"
it_check "site add printed the enroll command" grep -q "fedc-agent enroll --coordinator 127.0.0.1:$FL_PORT --token $tok --ca ca.pem" <<<"$out"

js=$(fl_ctl --json site add site5)
it_check "site add --json gives the token" jq -e '.site.name == "site5" and (.enroll.token | startswith("fedc1."))' <<<"$js"
js=$(fl_ctl --json site token site5)
it_check "site token --json gives a fresh token" jq -e '.site == "site5" and .expires_ms > 0' <<<"$js"
rc=0; fl_ctl site token nosuchsite >/dev/null 2>&1 || rc=$?
it_check "site token for an unknown site fails (exit $rc)" test "$rc" -ne 0

# 2. Enroll site4 by token; its files are ready to run.
enroll() { "$FL_BIN/fedc-agent" enroll --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" "$@"; }
enroll --token "$tok" --dir "$FL_WORK/site4" --data "breast_cancer=$FL_WORK/data/site4.csv"
it_check "enroll wrote the key 0600" test "$(stat -c %a "$FL_WORK/site4/site4.key")" = 600
it_check "enroll wrote cert, ca and agent.ini" test -s "$FL_WORK/site4/site4.pem" -a -s "$FL_WORK/site4/ca.pem" -a -s "$FL_WORK/site4/agent.ini"
subj=$(openssl x509 -in "$FL_WORK/site4/site4.pem" -noout -subject)
it_check "certificate names site4 with role site ($subj)" grep -q "CN *= *site4" <<<"$subj"
it_check "certificate chains to the consortium CA" openssl verify -CAfile "$FL_WORK/pki/ca.pem" "$FL_WORK/site4/site4.pem"

# 3. The same token again is refused, with its reason.
rc=0; err=$(enroll --token "$tok" --dir "$FL_WORK/site4b" 2>&1) || rc=$?
echo "$err"
it_check "reused token: exit 1 (got $rc)" test "$rc" = 1
it_check "reused token: says already used" grep -q "already used" <<<"$err"

# 4. Expired token.
out=$(fl_ctl site token site4 --token-ttl 1)
tok2=$(echo "$out" | sed -n 's/^  \(fedc1\.[0-9a-f.]*\)$/\1/p' | head -1)
sleep 2
rc=0; err=$(enroll --token "$tok2" --dir "$FL_WORK/site4c" 2>&1) || rc=$?
echo "$err"
it_check "expired token: exit 1 (got $rc)" test "$rc" = 1
it_check "expired token: says expired" grep -q "expired" <<<"$err"

# 5. A token from another consortium's CA, and garbage.
fl_pki_in "$FL_WORK/otherpki"
other=$(sed 's/^fedc1\.[0-9a-f]\{8\}/fedc1.00000000/' <<<"$tok")
rc=0; err=$("$FL_BIN/fedc-agent" enroll --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/otherpki/ca.pem" --token "$tok" --dir "$FL_WORK/site4d" 2>&1) || rc=$?
echo "$err"
it_check "wrong CA file: exit 2 (got $rc)" test "$rc" = 2
it_check "wrong CA file: says so" grep -q "wrong CA file" <<<"$err"
rc=0; err=$(enroll --token "$other" --dir "$FL_WORK/site4e" 2>&1) || rc=$?
echo "$err"
it_check "token of another CA: exit 2 (got $rc)" test "$rc" = 2
rc=0; err=$(enroll --token "fedc1.$(cut -c7-14 <<<"$tok").0123456789abcdef0123456789abcdef01234567" --dir "$FL_WORK/site4f" 2>&1) || rc=$?
echo "$err"
it_check "unknown token: exit 1 (got $rc)" test "$rc" = 1
it_check "unknown token: says unknown" grep -q "unknown enrollment token" <<<"$err"
rc=0; err=$(enroll --token "hello-world" --dir "$FL_WORK/site4g" 2>&1) || rc=$?
it_check "garbage token: exit 2 (got $rc)" test "$rc" = 2
it_check "refused enrollments wrote no key" test -z "$(ls "$FL_WORK"/site4[b-g]/*.key 2>/dev/null)"

# 6. No private key crossed the network; the CSR carries site4's public key.
req=$(ls "$FL_WORK"/dump/req-*.bin | head -1)
it_check "the hook dumped requests and a reply" test -n "$req" -a -n "$(ls "$FL_WORK"/dump/reply-*.bin)"
py=0
python3 - "$FL_WORK/site4/site4.key" "$FL_WORK/dump" <<'PY' || py=$?
import glob, re, subprocess, sys
key, dump = sys.argv[1], sys.argv[2]
txt = subprocess.run(["openssl", "pkey", "-in", key, "-text", "-noout"],
                     capture_output=True, text=True, check=True).stdout
def block(name):
    m = re.search(name + r":\s*\n((?:\s+[0-9a-f:]+\n)+)", txt)
    return bytes.fromhex(re.sub(r"[\s:]", "", m.group(1)))
priv, pub = block("priv"), block("pub")
priv = priv.lstrip(b"\0") if len(priv) > 32 else priv
files = glob.glob(dump + "/*.bin")
bad = [f for f in files if b"PRIVATE KEY" in open(f, "rb").read()
       or priv in open(f, "rb").read()]
if bad:
    sys.exit("private key material in " + ", ".join(bad))
import base64
found = False
for f in glob.glob(dump + "/req-*.bin"):
    data = open(f, "rb").read()
    m = re.search(rb"-----BEGIN CERTIFICATE REQUEST-----.*?-----END CERTIFICATE REQUEST-----", data, re.S)
    if not m:
        continue
    out = subprocess.run(["openssl", "req", "-noout", "-pubkey"], input=m.group(0),
                         capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=out,
                         capture_output=True, check=True).stdout
    if pub in der:
        found = True
if not found:
    sys.exit("no dumped CSR carries site4's public key")
print("checked %d dumps: no private key; the CSR carries the site key" % len(files))
PY
it_check "no private key in the Enroll traffic; CSR holds site4's public key" test "$py" = 0
it_check "the database holds tokens only as hashes" test "$(it_sql "SELECT count(*) FROM enroll_tokens WHERE length(hash) = 64")" -ge 2
no_clear_token() { it_db_dump > "$FL_WORK/db.dump" && ! grep -qF "$1" "$FL_WORK/db.dump"; }
it_check "no clear token in the database" no_clear_token "$(cut -d. -f3 <<<"$tok")"
it_check "token issue and enrollment audited" test "$(it_sql "SELECT count(*) FROM audit WHERE action IN ('enroll', 'issue enroll token')")" -ge 3

# 7. The enrolled site joins a job and is in the last round.
env "$FL_BIN/fedc-agent" --config "$FL_WORK/site4/agent.ini" >>"$FL_WORK/site4/agent.log" 2>&1 &
FL_PIDS+=("$!")
sed -e 's/^rounds = .*/rounds = 3/' -e 's/^min_clients = .*/min_clients = 4/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 60 "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
status=$(fl_ctl --json job status "$job")
it_check "job finished" test "$(jq -r .job.state <<<"$status")" = done
last=$(jq -c '[.rounds[] | select(.state == "done")] | last | .participants' <<<"$status")
echo "last round participants: $last"
it_check "site4 took part in the last round" grep -q '"site4"' <<<"$last"

# 8. Renewal: site3 has a new certificate on disk (and key to match), and
# took part in the rounds with it.
new_serial=$(serial_of "$FL_WORK/pki/site3.pem")
echo "site3 serial: $old_serial -> $new_serial"
it_check "site3's certificate was renewed" test -n "$new_serial" -a "$new_serial" != "$old_serial"
it_check "the renewed certificate matches the key on disk" test \
  "$(openssl x509 -in "$FL_WORK/pki/site3.pem" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum)" = \
  "$(openssl pkey -in "$FL_WORK/pki/site3.key" -pubout -outform DER | sha256sum)"
it_check "the renewal is audited" test "$(it_sql "SELECT count(*) FROM audit WHERE action = 'renew certificate' AND who = 'site3'")" -ge 1
it_check "site3 (renewed) took part in the last round" grep -q '"site3"' <<<"$last"
it_check "site3 used the renewed key (no TLS reload error)" bash -c "! grep -q 'cannot load the renewed' '$FL_WORK/site3/agent.log'"
it_done

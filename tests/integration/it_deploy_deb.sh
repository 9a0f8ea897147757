#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the Debian packages as a factory's or a consortium's IT would
# use them (deploy/package.sh, deploy/debian/).
# - package.sh builds fedc-coordinator, fedc-agent and fedctl (version N and
#   N+1) from the shipped configuration (build-ship/, or FL_PKG_BUILD);
# - 'apt-get install ./*.deb' installs them with every runtime library (the
#   Depends that dpkg-shlibdeps wrote); the fedc user, /etc/fedc conffiles,
#   /var/lib/fedc (0700) and the units are there;
# - systemd-analyze verify passes for both units and systemd-analyze
#   security scores each below 3.0 (the score is printed);
# - a coordinator and an agent run from the packaged layout, as the units
#   start them (user fedc, /etc/fedc/*.ini, state in /var/lib/fedc), with
#   two more sites, and complete a job; SIGHUP (systemctl reload) makes the
#   coordinator re-read its TLS files and the agent its [policy];
# - N+1 installed over N keeps the edited conffiles, the job history in the
#   database and the agent's records, and the coordinator starts on them;
# - purge keeps the state folder, as documented.
# It changes the machine (packages, /etc/fedc, /var/lib/fedc, user fedc), so
# it needs root, refuses to touch an installation it did not make, and
# removes all of it at the end. Debian packages: dpkg-dev, systemd.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIPPED: installing packages needs root" >&2; exit 77; }
for p in systemd-analyze dpkg-shlibdeps apt-get setpriv; do
  command -v "$p" >/dev/null || { echo "FAIL: $p not found (apt-get install systemd dpkg-dev)" >&2; exit 1; }
done
marker=/etc/fedc/.it_deploy_deb
if { [ -e /etc/fedc ] || dpkg-query -W fedc-coordinator >/dev/null 2>&1; } && [ ! -e "$marker" ]; then
  echo "FAIL: this machine has a fedc installation that this test did not make" \
       "(/etc/fedc or the fedc-coordinator package); not touching it" >&2
  exit 1
fi

deb_purge() {   # removes everything this test installed or made
  local p
  for p in $(cat /var/lib/fedc/coordinator/pid /var/lib/fedc/agent/pid 2>/dev/null); do
    kill -TERM "$p" 2>/dev/null || true
  done
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq fedc-coordinator fedc-agent fedctl >/dev/null 2>&1 || true
  rm -rf /etc/fedc /var/lib/fedc
  userdel fedc >/dev/null 2>&1 || true
  groupdel fedc >/dev/null 2>&1 || true
}
# on exit: stop the daemons, remove the installation, then it_lib's cleanup
trap 'deploy_rc=$?; fl_stop_all; deb_purge; it_cleanup "$deploy_rc"' EXIT
deb_purge   # leftovers of an earlier run of this test (it made the marker)

# --- build the packages: version N and N+1 -------------------------------
pbuild=${FL_PKG_BUILD:-$top/build-ship}
vn=0.1.0 vn1=0.1.0+it1
t0=$(date +%s)
bash "$top/deploy/package.sh" --build-dir "$pbuild" --version "$vn" --out "$FL_WORK/dist-n" \
  >"$FL_WORK/package-n.log" 2>&1 || { cat "$FL_WORK/package-n.log" >&2; exit 1; }
# N+1: the same packages with the next version in their control files
# (dpkg-deb unpacks and rebuilds them; a second CPack run took 20-30 s of
# this serial test and made the same files)
mkdir -p "$FL_WORK/dist-n1" "$FL_WORK/repack"
for deb in "$FL_WORK"/dist-n/*.deb; do
  tree="$FL_WORK/repack/$(basename "$deb" .deb)"
  name=$(dpkg-deb -f "$deb" Package) arch=$(dpkg-deb -f "$deb" Architecture)
  { dpkg-deb -R "$deb" "$tree" &&
    sed -i "s/^Version: .*/Version: $vn1/" "$tree/DEBIAN/control" &&
    dpkg-deb --root-owner-group -b "$tree" "$FL_WORK/dist-n1/${name}_${vn1}_${arch}.deb"; } \
    >>"$FL_WORK/package-n1.log" 2>&1 || { cat "$FL_WORK/package-n1.log" >&2; exit 1; }
done
echo "packages built in $(( $(date +%s) - t0 )) s:"
ls -l "$FL_WORK"/dist-n/*.deb | awk '{print "  " $5 " bytes " $NF}'
it_check "three packages of version $vn" test "$(ls "$FL_WORK"/dist-n/*_"$vn"_*.deb | wc -l)" = 3
it_check "the coordinator package depends on the libraries it links (shlibdeps)" \
  sh -c "dpkg-deb -f '$FL_WORK'/dist-n/fedc-coordinator_*.deb Depends | grep -q 'libgrpc.*libsqlite3'"

# --- install N ------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$FL_WORK"/dist-n/*.deb >"$FL_WORK/apt-n.log" 2>&1 ||
  { cat "$FL_WORK/apt-n.log" >&2; exit 1; }
touch "$marker"
for p in fedc-coordinator fedc-agent fedctl; do
  it_check "$p $vn is installed" test "$(dpkg-query -W -f='${Status} ${Version}' "$p")" = "install ok installed $vn"
done
it_check "the fedc system user exists" sh -c 'id -u fedc >/dev/null && [ "$(id -u fedc)" -lt 1000 ]'
it_check "/var/lib/fedc is fedc's, mode 700" test "$(stat -c '%U %a' /var/lib/fedc)" = "fedc 700"
it_check "/var/lib/fedc/coordinator and agent are fedc's, mode 700" \
  test "$(stat -c '%U %a' /var/lib/fedc/coordinator /var/lib/fedc/agent | sort -u)" = "fedc 700"
it_check "/etc/fedc/coordinator.ini is a conffile" \
  sh -c "dpkg-query -W -f='\${Conffiles}' fedc-coordinator | grep -q /etc/fedc/coordinator.ini"
it_check "/etc/fedc/tls is root:fedc 750" test "$(stat -c '%U:%G %a' /etc/fedc/tls)" = "root:fedc 750"
it_check "fedctl's manual page is installed" test -s /usr/share/man/man1/fedctl.1

# --- the units --------------------------------------------------------------
for u in fedc-coordinator fedc-agent; do
  out=$(systemd-analyze verify "/lib/systemd/system/$u.service" 2>&1) && rc=0 || rc=$?
  it_check "systemd-analyze verify $u.service passes (rc $rc${out:+: $out})" test $rc -eq 0 -a -z "$out"
  score=$(systemd-analyze security --offline=true "/lib/systemd/system/$u.service" 2>/dev/null |
          sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  echo "systemd-analyze security $u.service: exposure $score"
  it_check "$u.service exposure below 3.0 (got $score)" awk -v s="$score" 'BEGIN { exit !(s != "" && s + 0 < 3.0) }'
  it_check "$u.service runs as fedc with an empty capability set" \
    sh -c "grep -qx 'User=fedc' /lib/systemd/system/$u.service && grep -qx 'CapabilityBoundingSet=' /lib/systemd/system/$u.service"
done

# --- run from the packaged layout ------------------------------------------
FL_BIN=/usr/bin
fl_pki site1 site2 site3
install -o root -g fedc -m 0640 "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/coordinator.pem" \
  "$FL_WORK/pki/coordinator.key" /etc/fedc/tls/
install -o root -g fedc -m 0640 "$FL_WORK/pki/site1.pem" /etc/fedc/tls/site.pem
install -o root -g fedc -m 0640 "$FL_WORK/pki/site1.key" /etc/fedc/tls/site.key
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# the operator's edits of the conffiles (an upgrade must keep them)
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" /etc/fedc/coordinator.ini
sed -i '/^\[coordinator\]/a members = /etc/fedc/members.txt' /etc/fedc/coordinator.ini
sed -i 's/^offline_after_ms = .*/offline_after_ms = 3000/' /etc/fedc/coordinator.ini
install -o root -g fedc -m 0640 "$FL_WORK/pki/members.txt" /etc/fedc/members.txt
bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 --iid >/dev/null
install -d -o fedc -g fedc -m 0700 /var/lib/fedc/agent/data
install -o fedc -g fedc -m 0600 "$FL_WORK/data/site1.csv" /var/lib/fedc/agent/data/breast_cancer.csv
sed -i "s/^coordinator = .*/coordinator = 127.0.0.1:$port/" /etc/fedc/agent.ini
sed -i 's|^; shuttle = .*|breast_cancer = /var/lib/fedc/agent/data/breast_cancer.csv|' /etc/fedc/agent.ini
sed -i 's/^; colluders = 1/colluders = 0/' /etc/fedc/agent.ini

# start_unit NAME: the unit's ExecStart as user fedc in its state folder,
# with its UMask=0077
start_unit() {
  local name=$1 dir=/var/lib/fedc/$1
  (cd "$dir" && umask 077 && exec setpriv --reuid=fedc --regid=fedc --init-groups \
     "/usr/bin/fedc-$name" --config "/etc/fedc/$name.ini" >>"$FL_WORK/$name.log" 2>&1) &
  echo $! > "$dir/pid"
  FL_PIDS+=("$!")
}
FL_PORT=$port
start_unit coordinator
for i in $(seq 1 100); do fl_ctl site list >/dev/null 2>&1 && break; sleep 0.2; done
quiet() { "$@" >/dev/null 2>&1; }
it_check "the packaged coordinator answers fedctl" quiet fl_ctl site list
it_check "the coordinator runs as fedc" test "$(ps -o user= -p "$(cat /var/lib/fedc/coordinator/pid)")" = fedc
it_check "its database is in /var/lib/fedc/coordinator, mode 600" \
  test "$(stat -c '%U %a' /var/lib/fedc/coordinator/coordinator.db)" = "fedc 600"
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
start_unit agent
for s in site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done
sed -e 's/^rounds = .*/rounds = 2/' -e 's/^timeout = .*/timeout = 15/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
timeout 180 /usr/bin/fedctl --coordinator "127.0.0.1:$port" --ca "$FL_WORK/pki/ca.pem" \
  --cert "$FL_WORK/pki/operator.pem" --key "$FL_WORK/pki/operator.key" job watch "$job" >/dev/null || true
state=$(fl_ctl --json job status "$job" | jq -r .job.state)
it_check "the job completed on the packaged coordinator and agent (state $state)" test "$state" = done
it_check "the packaged agent kept its records in /var/lib/fedc/agent" \
  sh -c 'ls /var/lib/fedc/agent/records/ | grep -q "job1-round"'

# systemctl reload
kill -HUP "$(cat /var/lib/fedc/coordinator/pid)"
sed -i 's/^; min_other_participants = 2/min_other_participants = 2/' /etc/fedc/agent.ini
kill -HUP "$(cat /var/lib/fedc/agent/pid)"
for i in $(seq 1 150); do
  grep -q "reload: \[policy\]" "$FL_WORK/agent.log" && break
  sleep 0.2
done
it_check "SIGHUP: the coordinator re-reads its TLS files" grep -q "SIGHUP.*re-reading the TLS" "$FL_WORK/coordinator.log"
it_check "SIGHUP: the agent re-reads its [policy]" grep -q "reload: \[policy\] of /etc/fedc/agent.ini re-read" "$FL_WORK/agent.log"
it_check "the coordinator still answers after the reload (a new TLS connection)" quiet fl_ctl site list
rounds_n=$(fl_ctl --json job status "$job" | jq '[.rounds[] | select(.state == "done")] | length')

# --- upgrade N -> N+1 ------------------------------------------------------
fl_stop_all
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$FL_WORK"/dist-n1/*.deb >"$FL_WORK/apt-n1.log" 2>&1 ||
  { cat "$FL_WORK/apt-n1.log" >&2; exit 1; }
it_check "fedc-coordinator upgraded to $vn1" \
  test "$(dpkg-query -W -f='${Version}' fedc-coordinator)" = "$vn1"
it_check "the upgrade kept the edited /etc/fedc/coordinator.ini" grep -q "^listen = 127.0.0.1:$port" /etc/fedc/coordinator.ini
it_check "the upgrade kept the agent's records" sh -c 'ls /var/lib/fedc/agent/records/ | grep -q "job1-round"'
FL_PIDS=()
start_unit coordinator
for i in $(seq 1 100); do fl_ctl site list >/dev/null 2>&1 && break; sleep 0.2; done
after=$(fl_ctl --json job status "$job" 2>/dev/null || true)
it_check "after the upgrade the job history is intact (done, $rounds_n rounds)" \
  test "$(echo "$after" | jq -r .job.state)/$(echo "$after" | jq '[.rounds[] | select(.state == "done")] | length')" = "done/$rounds_n"
fl_ctl ledger export -o "$FL_WORK/ledger.jsonl" >/dev/null
it_check "the round ledger still verifies after the upgrade" \
  /usr/bin/fedctl ledger verify "$FL_WORK/ledger.jsonl" --ca "$FL_WORK/pki/ca.pem"
fl_stop_all
rm -f /var/lib/fedc/coordinator/pid /var/lib/fedc/agent/pid

# --- purge ------------------------------------------------------------------
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq fedc-coordinator fedc-agent fedctl >"$FL_WORK/apt-purge.log" 2>&1
it_check "purge removed the binaries" test ! -e /usr/bin/fedc-coordinator
it_check "purge kept the state, as documented" test -s /var/lib/fedc/coordinator/coordinator.db
it_done

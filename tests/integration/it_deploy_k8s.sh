#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: the Kubernetes manifests (deploy/k8s) are consistent with
# the binaries. it_k8s_check.py parses every manifest (Debian's python3-yaml)
# and checks the kustomization lists them all; non-root pods with read-only
# roots, no capabilities, probes on /readyz and /healthz; every path in the
# ConfigMaps' configs inside a mounted volume (TLS from Secrets, state on
# writable persistent volumes); the listen ports equal the container ports,
# the Service targets and the NetworkPolicy ports; the agent dials the
# Service's port. Then the real binaries read the ConfigMaps' configs (paths
# moved into a scratch root, listen addresses on loopback): the coordinator
# starts on its config and an agent on its own finishes a poll (--once), so
# every key in them is one the binaries know (unknown keys are errors).
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
python3 -c 'import yaml' 2>/dev/null || { echo "FAIL: python3-yaml is missing (apt-get install python3-yaml)" >&2; exit 1; }

root=$FL_WORK/root
it_check "the manifests are consistent (it_k8s_check.py)" \
  python3 "$(dirname "$0")/it_k8s_check.py" "$top/deploy/k8s" "$root"

fl_pki site1
mkdir -p "$root/etc/fedc/tls" "$root/var/lib/fedc/coordinator" "$root/var/lib/fedc/agent" "$root/data"
cp "$FL_WORK/pki/ca.pem" "$FL_WORK/pki/coordinator.pem" "$FL_WORK/pki/coordinator.key" "$root/etc/fedc/tls/"
cp "$FL_WORK/pki/site1.pem" "$root/etc/fedc/tls/site.pem"
cp "$FL_WORK/pki/site1.key" "$root/etc/fedc/tls/site.key"
head -n 200 "$top/data/shuttle.csv" > "$root/data/shuttle.csv"

"$FL_BIN/fedc-coordinator" --config "$root/coordinator.ini" --port-file "$FL_WORK/port" \
  >"$FL_WORK/coordinator.log" 2>&1 &
FL_PIDS+=("$!")
for i in $(seq 1 100); do [ -s "$FL_WORK/port" ] && break; sleep 0.1; done
it_check "the coordinator starts on the ConfigMap's config" test -s "$FL_WORK/port"
FL_PORT=$(cat "$FL_WORK/port" 2>/dev/null || echo 0)
it_check "it opened its database where the manifest's volume is" \
  test -s "$root/var/lib/fedc/coordinator/coordinator.db"
fl_ctl site add site1 >/dev/null
sed -i "s/^coordinator = .*/coordinator = 127.0.0.1:$FL_PORT/" "$root/agent.ini"
"$FL_BIN/fedc-agent" --config "$root/agent.ini" --once >"$FL_WORK/agent.log" 2>&1 && rc=0 || rc=$?
it_check "an agent on the ConfigMap's config polls once and exits 0 (got $rc)" test "$rc" = 0
[ "$rc" = 0 ] || cat "$FL_WORK/agent.log" "$FL_WORK/coordinator.log" >&2

# The active/standby overlay (deploy/k8s/ha): its manifests against the
# base, then two coordinators on its ConfigMap's config and a real
# PostgreSQL (it_pg_lib.sh; the URL's host moved to loopback): one is
# active and listens, the other stands by (the pod the Service leaves out).
ha=$FL_WORK/root-ha
it_check "the HA overlay is consistent (it_k8s_check.py)" \
  python3 "$(dirname "$0")/it_k8s_check.py" "$top/deploy/k8s/ha" "$ha"
source "$(dirname "$0")/it_pg_lib.sh"
mkdir -p "$ha/etc/fedc/tls" "$ha/etc/fedc/db" "$ha/var/lib/fedc/coordinator"
cp "$root/etc/fedc/tls/"* "$ha/etc/fedc/tls/"
cp "$FL_WORK/pg.pass" "$ha/etc/fedc/db/password"
sed -i "s|^database = postgresql://.*|database = $FL_DATABASE|" "$ha/coordinator.ini"
for n in a b; do
  "$FL_BIN/fedc-coordinator" --config "$ha/coordinator.ini" --port-file "$FL_WORK/ha-$n.port" \
    >"$FL_WORK/ha-$n.log" 2>&1 &
  FL_PIDS+=("$!")
  for i in $(seq 1 100); do
    [ -s "$FL_WORK/ha-$n.port" ] || grep -q "standing by" "$FL_WORK/ha-$n.log" && break
    sleep 0.1
  done
done
it_check "the first coordinator of the pair is active (listening)" test -s "$FL_WORK/ha-a.port"
it_check "the second stands by (not listening)" bash -c \
  "grep -q 'standing by' '$FL_WORK/ha-b.log' && [ ! -s '$FL_WORK/ha-b.port' ]"
it_check "the password file's secret is in no log" bash -c "! grep -qF '$secret' '$FL_WORK'/ha-*.log"
it_done

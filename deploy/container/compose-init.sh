#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# compose-init.sh: makes a throwaway consortium for deploy/compose.yaml in
# $FEDC_CONSORTIUM (default /consortium, a volume): the CA, the
# coordinator's, the operator's and three sites' certificates (made here,
# for a demo only: real sites enroll with a token so their key never leaves
# the site), the member list, the configs, the README demo's shuttle data
# dealt to three sites, and the demo's job spec. POSIX sh and awk only (the
# runtime image has no bash). Runs once: a second run leaves it as it is.
#   FEDC_DATA        the data folder (default /data)
#   FEDC_JOBS        the job specs folder (default /jobs)
#   FEDC_COORD_HOST  the coordinator's host name for the agents (coordinator)
#   FEDC_COORD_PORT, FEDC_OPS_PORT  its ports (7443, 9464)
#   FEDC_OWNER       uid:gid that gets the files (default 10001:10001, fedc)
set -eu
C=${FEDC_CONSORTIUM:-/consortium}
D=${FEDC_DATA:-/data}
J=${FEDC_JOBS:-/jobs}
H=${FEDC_COORD_HOST:-coordinator}
P=${FEDC_COORD_PORT:-7443}
if [ -f "$C/.made" ]; then
	echo "compose-init: the consortium in $C is already made"
	exit 0
fi
umask 077
mkdir -p "$C/pki" "$C/coordinator" "$C/data"
fedctl ca init --dir "$C/pki" --name "fedc compose consortium CA" --days 365 >/dev/null
fedctl ca issue coordinator --role coordinator --dir "$C/pki" \
	--san "DNS:$H,DNS:localhost,IP:127.0.0.1" >/dev/null
fedctl ca issue operator --role admin --dir "$C/pki" >/dev/null
for s in site1 site2 site3; do
	fedctl ca issue "$s" --role site --dir "$C/pki" >/dev/null
done
fedctl ca members --dir "$C/pki" --version 1 -o "$C/pki/members.txt" \
	"$C/pki/site1.pem" "$C/pki/site2.pem" "$C/pki/site3.pem" >/dev/null
cat > "$C/coordinator/coordinator.ini" <<EOC
[coordinator]
listen = 0.0.0.0:$P
database = coordinator.db
members = ../pki/members.txt
offline_after_ms = 10000
[tls]
ca = ../pki/ca.pem
cert = ../pki/coordinator.pem
key = ../pki/coordinator.key
[ops]
listen = 0.0.0.0:${FEDC_OPS_PORT:-9464}
EOC
# the demo's data: the header, then the rows dealt round robin
awk -v dir="$C/data" 'NR == 1 { for (i = 1; i <= 3; i++) print > (dir "/site" i ".csv"); next }
	{ print > (dir "/site" ((NR - 2) % 3 + 1) ".csv") }' "$D/shuttle.csv"
for s in site1 site2 site3; do
	mkdir -p "$C/$s"
	cat > "$C/$s/agent.ini" <<EOA
[agent]
coordinator = $H:$P
state_dir = .
[tls]
ca = ../pki/ca.pem
cert = ../pki/$s.pem
key = ../pki/$s.key
[data]
shuttle = ../data/$s.csv
[policy]
colluders = 0
EOA
done
cp "$J/shuttle-softmax.ini" "$C/job.ini"
chown -R "${FEDC_OWNER:-10001:10001}" "$C"
touch "$C/.made"
echo "compose-init: consortium made in $C (coordinator $H:$P, sites site1-3)"

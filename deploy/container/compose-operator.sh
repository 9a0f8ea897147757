#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# compose-operator.sh: the operator's part of deploy/compose.yaml: waits for
# the coordinator, registers the three sites, submits the demo's job and
# watches it to the end (exit 0 when it is done).
set -eu
C=${FEDC_CONSORTIUM:-/consortium}
ctl() {
	fedctl --coordinator "${FEDC_COORD_HOST:-coordinator}:${FEDC_COORD_PORT:-7443}" --ca "$C/pki/ca.pem" \
		--cert "$C/pki/operator.pem" --key "$C/pki/operator.key" "$@"
}
i=0
until ctl site list >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 150 ] || { echo "compose-operator: the coordinator does not answer" >&2; exit 1; }
	sleep 0.2
done
for s in site1 site2 site3; do
	ctl site list | grep -q "^$s " || ctl site add "$s" --no-token >/dev/null
done
job=$(ctl --json job submit "$C/job.ini" | sed -n 's/.*"job_id": *\([0-9]*\).*/\1/p')
[ -n "$job" ] || { echo "compose-operator: the job was not submitted" >&2; exit 1; }
echo "compose-operator: job $job submitted"
ctl job watch "$job"

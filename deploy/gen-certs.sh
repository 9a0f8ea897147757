#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# gen-certs.sh: makes a throwaway consortium PKI (CA, coordinator, sites,
# operator, viewer) with the openssl CLI. Unit tests use it as an
# independent source of certificates; a real consortium uses 'fedctl ca'
# (and the demo and integration tests do too, see deploy/consortium.sh).
#
# usage: gen-certs.sh DIR SITE1 [SITE2 ...]
# Writes DIR/ca.pem, DIR/ca.key and DIR/<name>.pem + DIR/<name>.key for
# coordinator, operator, viewer and every site. Keys are ECDSA P-256, 0600.
set -eu

if [ "$#" -lt 2 ]; then
	echo "usage: $0 DIR SITE1 [SITE2 ...]" >&2
	exit 2
fi
dir=$1
shift
mkdir -p "$dir"
umask 077
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-certs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

days=825
log="$tmp/openssl.log"

run() {
	if ! "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		echo "gen-certs.sh: failed: $*" >&2
		exit 1
	fi
}

newkey() {
	run openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1"
	chmod 600 "$1"
}

# CA
newkey "$dir/ca.key"
run openssl req -new -x509 -sha256 -days "$days" -key "$dir/ca.key" \
	-subj "/O=fedc consortium/CN=fedc consortium CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-addext "subjectKeyIdentifier=hash" \
	-out "$dir/ca.pem"

# leaf NAME OU EKU [SAN]
leaf() {
	name=$1 ou=$2 eku=$3 san=${4:-}
	{
		echo "basicConstraints = critical, CA:FALSE"
		echo "keyUsage = critical, digitalSignature"
		echo "extendedKeyUsage = $eku"
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid"
		if [ -n "$san" ]; then
			echo "subjectAltName = $san"
		fi
	} >"$tmp/$name.ext"
	newkey "$dir/$name.key"
	run openssl req -new -sha256 -key "$dir/$name.key" \
		-subj "/O=fedc consortium/OU=$ou/CN=$name" -out "$tmp/$name.csr"
	run openssl x509 -req -sha256 -days "$days" -in "$tmp/$name.csr" \
		-CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
		-CAserial "$tmp/ca.srl" -extfile "$tmp/$name.ext" \
		-out "$dir/$name.pem"
	chmod 644 "$dir/$name.pem"
}

chmod 644 "$dir/ca.pem"
leaf coordinator coordinator "serverAuth, clientAuth" \
	"DNS:localhost, IP:127.0.0.1"
leaf operator admin clientAuth
leaf viewer viewer clientAuth
for site in "$@"; do
	case "$site" in
	ca | coordinator | operator | viewer | "" | */* | .*)
		echo "gen-certs.sh: bad site name: $site" >&2
		exit 2 ;;
	esac
	leaf "$site" site clientAuth
done

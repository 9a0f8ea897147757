# SPDX-License-Identifier: Apache-2.0
# it_pg_lib.sh: a throwaway PostgreSQL server for the integration tests
# (Debian's postgresql package), sourced after it_lib.sh. initdb into a
# temporary folder as an unprivileged user (postgres refuses root), a
# scram password on loopback TCP. Sets pgbin, pgroot, pg_port, pgrun,
# secret, FL_DATABASE and FL_DATABASE_PASSWORD_FILE; psql_q SQL
# runs a query. Skips (77) without a server. Sourced twice (it_lib.sh with
# FL_STORE=postgres, then a test that wants a server too), it starts one.
[ -z "${IT_PG_UP:-}" ] || return 0
IT_PG_UP=1
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "SKIPPED: no PostgreSQL server (apt-get install postgresql)" >&2
  exit 77
fi
# the server's folder: its own, so that an unprivileged user may write it
pgroot=$(mktemp -d -t fedc-pg.XXXXXX)
chmod 755 "$pgroot"
pgrun=()
if [ "$(id -u)" = 0 ]; then
  chown nobody "$pgroot"
  pgrun=(runuser -u nobody --)
fi
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_stop() {
  [ -f "$pgroot/data/postmaster.pid" ] &&
    "${pgrun[@]}" "$pgbin/pg_ctl" -D "$pgroot/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$pgroot"
}
# the processes first (a coordinator outliving its server would fence)
trap 'rc=$?; set +e; fl_stop_all; pg_stop; it_cleanup "$rc"' EXIT

secret="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$secret" > "$pgroot/pw"
chmod 644 "$pgroot/pw"     # initdb (as nobody) reads it, then it goes
"${pgrun[@]}" "$pgbin/initdb" -D "$pgroot/data" -U fedc --pwfile="$pgroot/pw" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$pgroot/initdb.log" 2>&1 ||
  { cat "$pgroot/initdb.log" >&2; fl_die "initdb failed"; }
rm -f "$pgroot/pw"
mkdir -p "$pgroot/sock" && chown --reference="$pgroot" "$pgroot/sock"
"${pgrun[@]}" "$pgbin/pg_ctl" -D "$pgroot/data" -l "$pgroot/pg.log" -w -t 30 \
  -o "-p $pg_port -k $pgroot/sock -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
  { cat "$pgroot/pg.log" >&2; fl_die "postgres did not start"; }
"${pgrun[@]}" "$pgbin/createdb" -h "$pgroot/sock" -p "$pg_port" -U fedc fedc
psql_q() { "${pgrun[@]}" psql -h "$pgroot/sock" -p "$pg_port" -U fedc -d fedc -Atqc "$1"; }

# the coordinator's password file (root's, mode 600)
printf '%s\n' "$secret" > "$FL_WORK/pg.pass"
chmod 600 "$FL_WORK/pg.pass"
export FL_DATABASE="postgresql://fedc@127.0.0.1:$pg_port/fedc"
export FL_DATABASE_PASSWORD_FILE=$FL_WORK/pg.pass

# SPDX-License-Identifier: Apache-2.0
# it_lib.sh: helpers for the integration tests (real processes on loopback).
set -euo pipefail
FL_BIN=${FL_BIN:?FL_BIN must name the folder with the binaries}
FL_WORK=$(mktemp -d -t fedc-it.XXXXXX)
export FL_WORK FL_BIN
source "$(dirname "${BASH_SOURCE[0]}")/../../deploy/consortium.sh"
# Most tests run 3 or 4 sites of one organisation each. With the default
# policy (T = 3 honest sites, c = 1 colluder) a round needs T + c = 4 sites
# that all survive; the tests' sites trust each other not to collude
# (c = 0) unless a test sets FL_AGENT_TRUST itself (empty: the defaults).
export FL_AGENT_TRUST=${FL_AGENT_TRUST-colluders = 0}
IT_FAILS=0
IT_CHECKS=0

# it_cleanup [STATUS]: stops what the test started, shows the logs on a
# failure, removes FL_WORK and exits with STATUS (default: the script's).
# A test's own EXIT trap calls it last with the status it saved: under
# set -e a '(exit $rc)' in a trap would end the trap before it.
it_cleanup() {
  local rc=${1:-$?}
  fl_stop_all
  if { [ $rc -ne 0 ] && [ $rc -ne 77 ]; } || [ $IT_FAILS -ne 0 ]; then
    echo "---- logs ($FL_WORK) ----" >&2
    for f in "$FL_WORK"/*/*.log; do
      [ -e "$f" ] || continue
      echo "== $f" >&2; tail -n 40 "$f" >&2 || true
    done
  fi
  [ -n "${IT_KEEP:-}" ] || rm -rf "$FL_WORK"
  exit "$rc"   # the script's own status (77 = skipped), whatever ran here
}
trap it_cleanup EXIT

# it_need_hooks: this test uses FEDC_TEST_* hooks, which exist only in builds
# configured with -DFL_TEST_HOOKS=ON (tests/run-all.sh's builds; their
# --version says "test hooks: on"). Elsewhere the test is skipped (77), loudly.
it_need_hooks() {
  local b
  for b in fedc-coordinator fedc-agent; do
    if ! "$FL_BIN/$b" --version 2>/dev/null | grep -q '^test hooks: on'; then
      echo "SKIPPED: $FL_BIN/$b has no test hooks (FEDC_TEST_*), which this test" \
        "needs: configure the build with -DFL_TEST_HOOKS=ON" >&2
      exit 77
    fi
  done
}

# FL_STORE=postgres (the *_postgres copies of some tests, see
# tests/integration/CMakeLists.txt, or the whole suite with
# 'FL_STORE=postgres ctest -L integration'): the coordinator's store is a
# throwaway PostgreSQL server (it_pg_lib.sh) instead of an SQLite file.
it_on_postgres() { [ "${FL_STORE:-sqlite}" = postgres ]; }
# it_sqlite_only REASON: this test is about the SQLite store itself; on
# PostgreSQL it is skipped (77) with the reason. IT_SQLITE_ONLY=REASON set
# before sourcing this file does the same before a server is started.
it_sqlite_only() {
  if it_on_postgres; then
    echo "SKIPPED: FL_STORE=postgres: $*" >&2
    exit 77
  fi
}
if it_on_postgres; then
  [ -z "${IT_SQLITE_ONLY:-}" ] || it_sqlite_only "$IT_SQLITE_ONLY"
  case "$(basename "$0")" in
    # already about PostgreSQL (they start their own server) or about a
    # deployment's own SQLite file: nothing to run twice
    it_pg_*|it_postgres_*|it_deploy_*)
      it_sqlite_only "$(basename "$0" .sh) is not run on the PostgreSQL store" \
        "(its own server, or a deployment with its SQLite file)" ;;
  esac
  source "$(dirname "${BASH_SOURCE[0]}")/it_pg_lib.sh"
fi
# it_sql SQL: runs one query on the coordinator's store and prints its rows
# (columns joined by '|'): sqlite3 on coordinator/coordinator.db (IT_DB
# names another file), or psql on the test's PostgreSQL server.
it_sql() {
  if it_on_postgres; then
    psql_q "$1"
  else
    command -v sqlite3 >/dev/null || fl_die "sqlite3 is needed to look into the database (apt-get install sqlite3)"
    sqlite3 "${IT_DB:-$FL_WORK/coordinator/coordinator.db}" "$1"
  fi
}
# it_db_dump: the whole store as SQL text (sqlite3 .dump or pg_dump).
it_db_dump() {
  if it_on_postgres; then
    "${pgrun[@]}" "$pgbin/pg_dump" -h "$pgroot/sock" -p "$pg_port" -U fedc fedc
  else
    it_sql .dump
  fi
}

it_check() {   # it_check "description" COMMAND...
  local what=$1; shift
  IT_CHECKS=$((IT_CHECKS + 1))
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what" >&2; IT_FAILS=$((IT_FAILS + 1)); fi
}
it_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
it_done() {
  echo "$((IT_CHECKS - IT_FAILS)) passed, $IT_FAILS failed"
  [ $IT_FAILS -eq 0 ]
}

# SPDX-License-Identifier: Apache-2.0
# consortium.sh: shell functions that stand up a throwaway local consortium
# (CA, coordinator, sites, operator) on loopback. Sourced by deploy/demo.sh
# and the integration tests; not run on its own.
#   FL_BIN   folder with the binaries (default build/bin)
#   FL_WORK  folder for certificates, configs, databases and logs

FL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FL_BIN=${FL_BIN:-$FL_TOP/build/bin}
FL_PIDS=()

fl_die() { echo "error: $*" >&2; exit 1; }

# fl_pki_in DIR SITE...: a consortium CA in DIR made with 'fedctl ca init',
# certificates for the coordinator (localhost), an admin operator and a
# viewer made with 'fedctl ca issue', and for each site a key and CSR made
# "on the site" with 'fedc-agent csr' and signed with 'fedctl ca sign' (the
# site's key never goes through the CA). Keys are ECDSA P-256, 0600. With
# sites, DIR/members.txt is the member list (SECAGG.md R1) of all of them,
# version 1, each site its own organisation ('fedctl ca members').
fl_pki_in() {
  local d=$1 s; shift
  mkdir -p "$d"
  "$FL_BIN/fedctl" ca init --dir "$d" --name "fedc test consortium CA" --days 30 >/dev/null \
    || fl_die "could not make the CA in $d"
  "$FL_BIN/fedctl" ca issue coordinator --role coordinator --dir "$d" \
    --san "DNS:localhost,IP:127.0.0.1" >/dev/null || fl_die "could not issue the coordinator certificate"
  "$FL_BIN/fedctl" ca issue operator --role admin --dir "$d" >/dev/null || fl_die "could not issue the operator certificate"
  "$FL_BIN/fedctl" ca issue viewer --role viewer --dir "$d" >/dev/null || fl_die "could not issue the viewer certificate"
  for s in "$@"; do
    "$FL_BIN/fedc-agent" csr --name "$s" --out-dir "$d" >/dev/null || fl_die "could not make $s's key"
    "$FL_BIN/fedctl" ca sign "$d/$s.csr" --dir "$d" -o "$d/$s.pem" >/dev/null || fl_die "could not sign $s's CSR"
  done
  if [ $# -gt 0 ]; then
    fl_members_in "$d" 1 "${@/#/$d/}"
  fi
}
# fl_members_in DIR VERSION CERT.pem[=ORG]...: (re)writes DIR/members.txt,
# the member list signed with DIR's CA, e.g. with a higher version when a
# site joins later (a coordinator reads it at its next start).
fl_members_in() {
  local d=$1 v=$2; shift 2
  local certs=() c
  for c in "$@"; do case $c in *.pem|*=*) certs+=("$c") ;; *) certs+=("$c.pem") ;; esac; done
  "$FL_BIN/fedctl" ca members --dir "$d" --version "$v" -o "$d/members.txt" "${certs[@]}" >/dev/null \
    || fl_die "could not write the member list $d/members.txt"
}
# fl_pki SITE...: the same in $FL_WORK/pki.
fl_pki() { fl_pki_in "$FL_WORK/pki" "$@"; }

# fl_start_coordinator [extra flags]: starts the coordinator on 127.0.0.1 with
# a free port (or FL_PORT_WANTED); sets FL_PORT and FL_COORD_PID. FL_COORD_ENV
# (optional, e.g. "FEDC_TEST_CRASH_AT=share:2", a test hook that only
# -DFL_TEST_HOOKS=ON builds have) adds environment for it; FL_COORD_OPTS
# (optional, e.g. "log_format = json") adds lines to [coordinator], and
# FL_COORD_EXTRA (optional, e.g. an [ops] section) ends the config.
fl_start_coordinator() {
  local dir=$FL_WORK/coordinator
  mkdir -p "$dir"
  # the member list fl_pki made, if any (FL_MEMBERS=0: none)
  local members=
  [ -f "$FL_WORK/pki/members.txt" ] && [ "${FL_MEMBERS:-1}" = 1 ] && members="members = ../pki/members.txt"
  cat > "$dir/coordinator.ini" <<EOC
[coordinator]
listen = 127.0.0.1:${FL_PORT_WANTED:-0}
database = ${FL_DATABASE:-coordinator.db}
${FL_DATABASE_PASSWORD_FILE:+database_password_file = $FL_DATABASE_PASSWORD_FILE}
offline_after_ms = ${FL_OFFLINE_MS:-3000}
log_level = ${FL_LOG_LEVEL:-info}
${FL_COORD_OPTS:-}
$members
[tls]
ca = ../pki/ca.pem
cert = ../pki/coordinator.pem
key = ../pki/coordinator.key
EOC
  # FL_COORD_CA=1 (optional) keeps the consortium CA online on the
  # coordinator ([ca]): enrollment tokens, Enroll and certificate renewal.
  # FL_COORD_CA_EXTRA adds lines to [ca] (e.g. "renew_days = 30").
  if [ "${FL_COORD_CA:-0}" = 1 ]; then
    printf '[ca]\ncert = ../pki/ca.pem\nkey = ../pki/ca.key\n%s\n' \
      "${FL_COORD_CA_EXTRA:-}" >> "$dir/coordinator.ini"
  fi
  # FL_COORD_EXTRA (optional) ends the config, e.g. an [ops] section.
  [ -n "${FL_COORD_EXTRA:-}" ] && printf '%s\n' "$FL_COORD_EXTRA" >> "$dir/coordinator.ini"
  rm -f "$dir/port"
  # FL_COORD_WRAP (diagnosis only, e.g. "heaptrack -o FILE") prefixes the command.
  # shellcheck disable=SC2086 # FL_COORD_ENV, FL_COORD_WRAP are lists of words
  env ${FL_COORD_ENV:-} ${FL_COORD_WRAP:-} "$FL_BIN/fedc-coordinator" --config "$dir/coordinator.ini" --port-file "$dir/port" "$@" \
    >>"$dir/coordinator.log" 2>&1 &
  FL_COORD_PID=$!
  FL_PIDS+=("$FL_COORD_PID")
  local i
  for i in $(seq 1 100); do
    [ -s "$dir/port" ] && break
    kill -0 "$FL_COORD_PID" 2>/dev/null || { cat "$dir/coordinator.log" >&2; fl_die "coordinator exited"; }
    sleep 0.1
  done
  [ -s "$dir/port" ] || fl_die "coordinator did not start (see $dir/coordinator.log)"
  FL_PORT=$(cat "$dir/port")
  export FEDC_COORDINATOR=127.0.0.1:$FL_PORT
}

# fl_ctl ARGS...: fedctl as the admin operator (fl_ctl_as viewer ARGS for others).
fl_ctl_as() {
  local who=$1; shift
  "$FL_BIN/fedctl" --coordinator "127.0.0.1:$FL_PORT" --ca "$FL_WORK/pki/ca.pem" \
    --cert "$FL_WORK/pki/$who.pem" --key "$FL_WORK/pki/$who.key" "$@"
}
fl_ctl() { fl_ctl_as operator "$@"; }

# fl_start_agent SITE DATASET CSV: writes the site's config and starts its
# agent; the agent's pid is in FL_AGENT_PID[SITE]. FL_AGENT_ENV (optional,
# e.g. "FEDC_TEST_EXIT_AFTER_SHARE=3", a test hook of -DFL_TEST_HOOKS=ON
# builds) adds environment for this agent only;
# FL_AGENT_TRUST (optional, e.g. "colluders = 0") goes into its [policy]
# section (the site's T and c against an untrusted coordinator; default
# T = 3, c = 1); FL_AGENT_POLICY (optional, e.g. a "[policy]" section) ends
# its config;
# FL_AGENT_EXTRA_DATA (optional) adds "name = csv" lines to [data];
# FL_AGENT_EXTRA (optional, e.g. "keepalive_ms = 1500") adds lines to
# [agent]; FL_AGENT_COORD (optional) is the address it dials instead of the
# coordinator's own (e.g. a proxy in front of it).
declare -A FL_AGENT_PID
fl_start_agent() {
  local site=$1 dataset=$2 csv=$3 dir=$FL_WORK/$1
  mkdir -p "$dir"
  cat > "$dir/agent.ini" <<EOA
[agent]
coordinator = ${FL_AGENT_COORD:-127.0.0.1:$FL_PORT}
poll_interval_ms = ${FL_POLL_MS:-200}
state_dir = .
log_level = ${FL_LOG_LEVEL:-info}
${FL_AGENT_EXTRA:-}
[tls]
ca = ../pki/ca.pem
cert = ../pki/$site.pem
key = ../pki/$site.key
[data]
$dataset = $csv
${FL_AGENT_EXTRA_DATA:-}
# [policy] (optional; see fedc-agent --help): what this site agrees to, e.g.
#   allowed_models = logistic, softmax
#   min_other_participants = 2
#   min_honest_sites = 3   (T) and colluders = 1 (c): see SECAGG.md
[policy]
${FL_AGENT_TRUST:-}
${FL_AGENT_POLICY:-}
EOA
  # shellcheck disable=SC2086 # FL_AGENT_ENV is a list of NAME=VALUE words
  env ${FL_AGENT_ENV:-} "$FL_BIN/fedc-agent" --config "$dir/agent.ini" >>"$dir/agent.log" 2>&1 &
  FL_AGENT_PID[$site]=$!
  FL_PIDS+=("$!")
}

# fl_stop_all: SIGTERM everything started here, then wait (SIGKILL after 10 s).
fl_stop_all() {
  local p i
  for p in "${FL_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 1 100); do
    local alive=0
    for p in "${FL_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${FL_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  FL_PIDS=()
}

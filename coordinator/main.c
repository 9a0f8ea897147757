/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-coordinator: the consortium's coordinator daemon (CLI and lifecycle). */
#include <errno.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "coord_ca.h"
#include "coord_certs.h"
#include "coord_engine.h"
#include "coord_fence.h"
#include "coord_ledger.h"
#include "coord_members.h"
#include "coord_ops.h"
#include "coord_service.h"
#include "coord_db.h"
#include "coord_store.h"
#include "coord_testhook.h"
#include "fl_testhooks.h"
#include "fl_config.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_msg.h"
#include "fl_rpc.h"
#include "fl_sign.h"
#include "fl_util.h"

#ifndef FL_VERSION
#define FL_VERSION "0.1.0"
#endif

static void coord_usage(FILE *f)
{
	fprintf(f,
"usage: fedc-coordinator --config FILE [options]\n"
"\n"
"Runs the consortium's coordinator: agents poll it for tasks and upload\n"
"their updates; operators drive it with fedctl. Every connection is mutual\n"
"TLS with certificates from the consortium CA (fedctl ca --help).\n"
"\n"
"options (each overrides the config file):\n"
"  --config FILE      INI config (see below)\n"
"  --listen ADDR      address to listen on, host:port (port 0 picks a free one)\n"
"  --db PATH          SQLite database (created if missing), or a\n"
"                     postgresql://user@host:port/db URL (no password)\n"
"  --ca FILE          consortium CA certificate(s), PEM\n"
"  --cert FILE        this coordinator's certificate, PEM\n"
"  --key FILE         this coordinator's private key, PEM\n"
"  --log-level LVL    debug, info, warn or error\n"
"  --port-file FILE   write the bound port number to FILE once listening\n"
"  --help             show this help\n"
"  --version          show the version\n"
"\n"
"config file (relative paths are relative to the file's folder):\n"
"  [coordinator]\n"
"  listen = 127.0.0.1:7443\n"
"  database = coordinator.db ; also a copy made by 'fedctl admin backup',\n"
"                             ; to restore (the coordinator stopped first);\n"
"                             ; or postgresql://user@host:port/db\n"
"  database_password_file = pg.pass ; PostgreSQL's password (first line);\n"
"                             ; without it, PGPASSFILE or ~/.pgpass\n"
"  log_level = info\n"
"  log_format = text  ; or json: one JSON object a line\n"
"  offline_after_ms = 10000   ; a site that has not polled for this long is offline\n"
"  members = members.txt      ; optional: the CA-signed member list for the\n"
"                             ; agents ('fedctl ca members'); re-read when\n"
"                             ; the file changes\n"
"  [tls]\n"
"  ca = ca.pem\n"
"  cert = coordinator.pem\n"
"  key = coordinator.key\n"
"  [ca]               ; optional: keep the CA online for enrollment tokens,\n"
"  cert = ca.pem      ; certificate renewal and signed CRLs\n"
"  key = ca.key\n"
"  passphrase_file =  ; if the CA key is encrypted\n"
"  leaf_days = 397    ; lifetime of the site certificates it issues\n"
"  token_ttl_s = 86400 ; default lifetime of enrollment tokens\n"
"  renew_days = 30    ; agents renew when fewer days are left\n"
"  [ops]              ; optional (off by default): plain-HTTP ops listener\n"
"  listen = 127.0.0.1:9464 ; GET /metrics (Prometheus), /healthz, /readyz\n"
"                     ; (503 until the store is open and the RPC server\n"
"                     ; listens); port 0 picks a free port; no secrets\n"
"  port_file = ops.port ; optional: write the bound port there\n"
"\n"
"example:\n"
"  fedctl ca init --dir pki\n"
"  fedctl ca issue coordinator --role coordinator --dir pki --san DNS:coord.example.org\n"
"  fedctl ca issue operator --role admin --dir pki\n"
"  fedc-coordinator --config coordinator.ini --listen 0.0.0.0:7443\n"
"  fedctl site add site1   # then start the agents, then: fedctl job submit job.ini\n"
"\n"
"SIGINT or SIGTERM stops it cleanly; a running job resumes at the next start\n"
"(also after kill -9: the interrupted round is retried with a new attempt).\n"
"SIGHUP (systemctl reload): new connections use the [tls] CA, certificate\n"
"and key files as they are then; open ones keep theirs.\n");
	fputs(COORD_TESTHOOK_HELP, f);
}

typedef struct coord_args {
	const char *config, *listen, *db, *ca, *cert, *key, *log_level, *port_file;
} coord_args;

/* Returns 0 to go on, 1 to exit 0 (help/version), -1 for a usage error. */
static int coord_parse_args(int argc, char **argv, coord_args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "ca", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "log-level", required_argument, NULL, 'v' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 'l': a->listen = optarg; break;
		case 'd': a->db = optarg; break;
		case 'A': a->ca = optarg; break;
		case 'C': a->cert = optarg; break;
		case 'K': a->key = optarg; break;
		case 'v': a->log_level = optarg; break;
		case 'p': a->port_file = optarg; break;
		case 'h': coord_usage(stdout); return 1;
		case 'V':
			printf("fedc-coordinator %s\n%s", FL_VERSION,
			       FL_TESTHOOKS_VERSION_LINE);
			return 1;
		default:
			fprintf(stderr, "fedc-coordinator: try --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fedc-coordinator: unexpected argument '%s'; try --help\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static void coord_set(char *dst, size_t cap, const char *v)
{
	if (v)
		snprintf(dst, cap, "%s", v);
}

/* Loads the config file (if any) and applies the flags. */
static int coord_load_config(const coord_args *a, fl_coord_config *cfg)
{
	char errmsg[FL_ERRMSG_BYTES] = "";
	int r;

	memset(cfg, 0, sizeof(*cfg));
	if (a->config) {
		if ((r = fl_coord_config_load(a->config, cfg, errmsg)) != 0) {
			fprintf(stderr, "fedc-coordinator: %s (%s)\n",
				errmsg[0] ? errmsg : a->config, fl_strerror(r));
			return r;
		}
	} else {
		/* no file: the file's defaults, the database in this folder */
		fl_coord_config_defaults(cfg);
		snprintf(cfg->database, sizeof(cfg->database), "coordinator.db");
	}
	coord_set(cfg->listen, sizeof(cfg->listen), a->listen);
	coord_set(cfg->database, sizeof(cfg->database), a->db);
	coord_set(cfg->tls.ca, sizeof(cfg->tls.ca), a->ca);
	coord_set(cfg->tls.cert, sizeof(cfg->tls.cert), a->cert);
	coord_set(cfg->tls.key, sizeof(cfg->tls.key), a->key);
	coord_set(cfg->log_level, sizeof(cfg->log_level), a->log_level);
	return 0;
}

/* Checks that a PEM file can be read, with advice if not. */
static int coord_check_file(const char *flag, const char *path)
{
	FILE *f;

	if (path[0] == '\0') {
		fprintf(stderr, "fedc-coordinator: no %s given: set it in [tls] of the "
			"config or pass %s FILE; make certificates with "
			"'fedctl ca init' and 'fedctl ca issue'\n", flag, flag);
		return FL_E_CONFIG;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fedc-coordinator: cannot read %s %s: %s; make "
			"certificates with 'fedctl ca issue'\n", flag, path,
			strerror(errno));
		return FL_E_IO;
	}
	fclose(f);
	return 0;
}

typedef struct coord_sig {
	sigset_t set;
	fl_rpc_server *srv;
	volatile int exiting;
} coord_sig;

/* A SIGINT or SIGTERM that reached a thread which does not block them
 * (one started before main, such as OpenBLAS's pool) lands here instead
 * of killing the process; coord_sig_next sees it. */
static volatile sig_atomic_t coord_sig_caught;

static void coord_sig_handler(int sig)
{
	coord_sig_caught = sig;
}

/* Waits up to 100 ms for SIGINT or SIGTERM; the signal number, or 0. */
static int coord_sig_next(const sigset_t *set)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	int sig = sigtimedwait(set, NULL, &pause);

	if (sig > 0)
		return sig;
	return coord_sig_caught;
}

static void *coord_sig_thread(void *arg)
{
	coord_sig *s = arg;
	int sig = 0;

	for (;;) {
		while (!s->exiting && (sig = coord_sig_next(&s->set)) == 0)
			;
		if (sig != SIGHUP)
			break;
		/* systemctl reload: new connections get the [tls] files as
		 * they are now (the member list is re-read when it changes) */
		fl_info("signal %d (SIGHUP): re-reading the TLS certificate, key "
			"and CA bundle at the next handshake", sig);
		fl_rpc_server_reload_tls(s->srv);
		if (coord_sig_caught == SIGHUP)
			coord_sig_caught = 0;
	}
	if (sig > 0 && !s->exiting) {
		fl_info("signal %d: shutting down", sig);
		fl_rpc_server_stop(s->srv);
	}
	return NULL;
}

/* Blocks SIGINT and SIGTERM in the calling thread; every thread created
 * after this (gRPC's too) inherits the mask, so the signal thread takes
 * them with sigtimedwait. Threads started before main do not: a handler
 * catches the signal there instead of the default action (exit 143). */
static void coord_sig_block(sigset_t *set)
{
	fl_stop_signals_catch(coord_sig_handler);
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int coord_write_port(const char *path, int port)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", port);
	int r = fl_file_write(path, buf, (size_t)n, 0644);

	if (r != 0)
		fl_error("cannot write --port-file %s: %s", path, fl_strerror(r));
	return r;
}

static void coord_wake_polls(void *srv)
{
	fl_rpc_server_wake(srv);
}

/* The database for logs: a URL without any password. */
static const char *coord_db_shown(const fl_coord_config *cfg)
{
	static char buf[FL_PATH_BYTES];

	return coord_db_redact(cfg->database, buf, sizeof(buf));
}

/* Opens the store; while another process holds it locked, waits (the ops
 * listener says not ready meanwhile) until it is free or a signal comes. */
static int coord_open_store(const fl_coord_config *cfg, const sigset_t *set,
			    coord_ops *ops, coord_store **st)
{
	char errmsg[FL_ERRMSG_BYTES] = "";
	struct timespec pause = { 1, 0 };
	int r, logged = 0;

	while ((r = coord_store_open_db(cfg->database,
						 cfg->database_password_file, st, errmsg)) == FL_E_BUSY) {
		atomic_store(&ops->store_locked, 1);
		if (!logged++ && coord_db_is_url(cfg->database))
			fl_warn("database %s: %s: standing by until its lock is "
				"free (not ready until then)", coord_db_shown(cfg), errmsg);
		else if (logged == 1)
			fl_warn("database %s is locked by another process: waiting "
				"for it (not ready until then)", coord_db_shown(cfg));
		if (sigtimedwait(set, NULL, &pause) > 0 || coord_sig_caught) {
			fl_info("signal: stopping before the store was opened");
			return FL_E_BUSY;
		}
		errmsg[0] = '\0';
	}
	if (r != 0)
		fl_error("%s", errmsg[0] ? errmsg : fl_strerror(r));
	else if (logged)
		fl_info("database %s is free again: opened%s", coord_db_shown(cfg),
			coord_db_is_url(cfg->database) ? " (taking over as the active "
			"coordinator)" : "");
	return r;
}

/* ---- fencing (PostgreSQL): one active coordinator per database ---- */
static void coord_fence_exit(void *arg)
{
	(void)arg;
	/* the session holding the active lock is gone or silent, and a
	 * standby may hold the lock now: stop acting at once, without
	 * another write */
	fl_error("lost the database session that held the active lock: "
		 "stopping now (fencing); a standby coordinator takes over");
	_exit(75);
}

/* Opens the store, the engine and the server, and serves until a signal. */
static int coord_serve(const fl_coord_config *cfg, const char *port_file)
{
	char errmsg[FL_ERRMSG_BYTES] = "";
	coord_engine_opts eo = { cfg->offline_after_ms, COORD_POLL_MS };
	fl_rpc_tls tls = { cfg->tls.ca, cfg->tls.cert, cfg->tls.key };
	coord_store *st = NULL;
	coord_engine *eng = NULL;
	coord_ledger_signer *signer = NULL;
	coord_ca *ca = NULL;
	coord_certs *certs = NULL;
	coord_members members;
	char *ca_pem = NULL;
	size_t ca_len = 0;
	fl_rpc_server *srv = NULL;
	coord_service svc;
	coord_sig sig;
	coord_ops ops;
	pthread_t sig_th;
	const fl_rpc_method *methods;
	coord_fence *fence = NULL;
	size_t nmethods;
	int r, sig_on = 0;

	memset(&sig, 0, sizeof(sig));
	memset(&members, 0, sizeof(members));
	coord_sig_block(&sig.set);

	/* up first, so that probes see "not ready" while the store opens */
	if ((r = coord_ops_start(&ops, cfg)) != 0)
		return r;
	if ((r = coord_open_store(cfg, &sig.set, &ops, &st)) != 0)
		goto out;
	coord_ops_set_store(&ops, st, NULL);
	if (coord_store_is_pg(st)) {
		if ((r = coord_fence_start(st, COORD_FENCE_STALL_MS, coord_fence_exit,
					   NULL, &fence)) != 0)
			goto out;
		fl_info("active coordinator on %s (holds its lock; standbys wait)",
			coord_db_shown(cfg));
	}
	/* The TLS key signs the round ledger; no key, no rounds. */
	if ((r = coord_ledger_signer_load(cfg->tls.key, cfg->tls.cert, &signer,
					  errmsg)) != 0) {
		fl_error("%s (the ledger is signed with the [tls] key: an ECDSA "
			 "P-256 or Ed25519 key, as 'fedctl ca issue' makes)", errmsg);
		goto out;
	}
	if ((r = coord_ca_open(&cfg->ca, &ca, errmsg)) != 0) {
		fl_error("%s", errmsg[0] ? errmsg : fl_strerror(r));
		goto out;
	}
	if (ca)
		fl_info("online CA %s loaded: enrollment by token, renewal and CRLs "
			"are on", cfg->ca.cert);
	else
		fl_info("no [ca] in the config: the CA is kept offline (certify "
			"sites with 'fedctl ca sign'; no enrollment tokens)");
	if ((r = coord_members_load(cfg->members, cfg->tls.ca, &members, errmsg)) != 0) {
		fl_error("%s", errmsg);
		goto out;
	}
	if (cfg->ca.sign_members && (!cfg->ca.cert[0] || !cfg->members[0])) {
		fl_error("[ca] sign_members = true needs the CA online ([ca] cert and "
			 "key) and [coordinator] members = FILE to write the list to");
		r = FL_E_CONFIG;
		goto out;
	}
	members.sign = cfg->ca.sign_members;
	if (members.version)
		fl_info("member list version %llu (%u sites) from %s, signed by the "
			"CA: served to the agents (Agent/GetMembers)",
			(unsigned long long)members.version, members.count, cfg->members);
	else if (!cfg->members[0])
		fl_warn("no [coordinator] members list: agents take part only in "
			"rounds whose sites are all on a CA-signed member list they "
			"hold (make one with 'fedctl ca members')");
	if (cfg->ca.cert[0])
		fl_warn("the CA key is online here ([ca]): whoever runs this "
			"coordinator can mint certificates and sign member lists, so "
			"the sites trust it with membership; a consortium that does "
			"not keeps the CA offline and signs each member list there "
			"(see README, 'Secure aggregation')");
	if ((r = fl_file_read(cfg->tls.ca, FL_SIGN_MAX_PEM, &ca_pem, &ca_len)) != 0) {
		fl_error("cannot read the CA bundle %s: %s", cfg->tls.ca, fl_strerror(r));
		goto out;
	}
	if ((r = coord_certs_new(st, ca_pem, ca_len, &certs)) != 0) {
		fl_error("cannot read the published CRLs from %s: %s", coord_db_shown(cfg),
			 fl_strerror(r));
		goto out;
	}
	coord_certs_crl_warn(certs, fl_time_ms());
	if ((r = coord_engine_new(st, &eo, &eng)) != 0) {
		fl_error("cannot load jobs from %s: %s", coord_db_shown(cfg), fl_strerror(r));
		goto out;
	}
	coord_engine_set_ledger(eng, signer);
	coord_ops_set_store(&ops, st, eng);
	memset(&svc, 0, sizeof(svc));
	svc.st = st;
	svc.eng = eng;
	svc.ledger = signer;
	svc.ca = ca;
	svc.certs = certs;
	svc.members = &members;
	methods = coord_service_methods(&nmethods);
	/* client certificate optional at the TLS level so that sites can
	 * enroll; coord_auth refuses every other method without one */
	if ((r = fl_rpc_server_new_ex(cfg->listen, &tls, methods, nmethods, &svc,
				      FL_MSG_MAX_BYTES, FL_RPC_CLIENT_CERT_OPTIONAL,
				      &srv)) != 0) {
		fl_error("cannot listen on %s: %s (is the port in use, or are the "
			 "certificate files valid PEM?)", cfg->listen, fl_strerror(r));
		goto out;
	}
	/* A round that starts or moves to its next phase answers the agents'
	 * held polls at once. */
	coord_engine_set_notify(eng, coord_wake_polls, srv);
	svc.srv = srv;
	coord_testhook_announce();
	fl_info("fedc-coordinator %s listening on %s (port %d), database %s",
		FL_VERSION, cfg->listen, fl_rpc_server_port(srv), coord_db_shown(cfg));
	if (port_file && (r = coord_write_port(port_file, fl_rpc_server_port(srv))) != 0)
		goto out;
	if ((r = coord_engine_start(eng)) != 0)
		goto out;
	atomic_store(&ops.listening, 1);
	sig.srv = srv;
	if (pthread_create(&sig_th, NULL, coord_sig_thread, &sig) != 0) {
		r = FL_E_NOMEM;
		goto out;
	}
	sig_on = 1;
	r = fl_rpc_server_run(srv);
	if (r != 0)
		fl_error("server stopped: %s", fl_strerror(r));
out:
	if (sig_on) {
		sig.exiting = 1;
		pthread_kill(sig_th, SIGTERM);
		pthread_join(sig_th, NULL);
	}
	coord_ops_stop(&ops);
	if (eng)
		coord_engine_stop(eng);
	fl_rpc_server_free(srv);
	coord_engine_free(eng);
	coord_ledger_signer_free(signer);
	coord_ca_free(ca);
	coord_certs_free(certs);
	coord_members_clear(&members);
	free(ca_pem);
	coord_fence_stop(fence);
	coord_store_close(st);
	return r;
}

/*
 * glibc's malloc, tuned for a server whose every call runs on its own
 * thread and moves model-sized buffers (chunks, key lists, models): with
 * the defaults each thread may get its own arena (8 per core) and the mmap
 * threshold rises to the largest buffer freed, so those buffers end up in
 * arenas that keep their pages. Measured with 200 sites and a 100k-parameter
 * model, that kept the peak RSS about 45 MiB higher (tests/load). Buffers of
 * 64 KiB and more are mmapped (and given back when freed), and two arenas
 * are shared by all threads.
 */
static void coord_malloc_tune(void)
{
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
#endif
}

int main(int argc, char **argv)
{
	coord_args a;
	fl_coord_config cfg;
	enum fl_log_level lvl;
	enum fl_log_format fmt;
	sigset_t set;
	int r;

	coord_malloc_tune();
	fl_log_set_prog("coordinator");
	if ((r = coord_parse_args(argc, argv, &a)) != 0)
		return r > 0 ? 0 : 2;
	if (coord_load_config(&a, &cfg) != 0)
		return 2;
	if (fl_log_level_parse(cfg.log_level, &lvl) != 0) {
		fprintf(stderr, "fedc-coordinator: bad log level '%s': use debug, info, "
			"warn or error\n", cfg.log_level);
		return 2;
	}
	fl_log_set_level(lvl);
	if (cfg.log_format[0] && fl_log_format_parse(cfg.log_format, &fmt) == 0)
		fl_log_set_format(fmt);
	if (coord_check_file("--ca", cfg.tls.ca) != 0 ||
	    coord_check_file("--cert", cfg.tls.cert) != 0 ||
	    coord_check_file("--key", cfg.tls.key) != 0)
		return 2;
	if (sodium_init() < 0) {
		fprintf(stderr, "fedc-coordinator: libsodium cannot initialise\n");
		return 1;
	}
	coord_sig_block(&set);
	fl_rpc_global_init();
	r = coord_serve(&cfg, a.port_file);
	fl_rpc_global_shutdown();
	fl_info("stopped");
	return r == 0 ? 0 : 1;
}

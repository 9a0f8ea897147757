/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-agent: the site daemon. Dials out to the coordinator, trains on the
 * site's own CSV files and uploads only update vectors. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "agent_csr.h"
#include "agent_enroll.h"
#include "agent_ops.h"
#include "agent_testhook.h"
#include "fl_agent.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_proxy.h"
#include "fl_testhooks.h"

static volatile sig_atomic_t agent_stop, agent_reload;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		agent_reload = 1;
	else
		agent_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: fedc-agent --config FILE [--log-level debug|info|warn|error] [--once]\n"
"       fedc-agent csr --name SITE [--out-dir DIR]   (site key + CSR, made here)\n"
"       fedc-agent enroll --coordinator HOST:PORT --token T --ca CA.pem [--dir DIR]\n"
"                                      (site key here + certificate by token)\n"
"       fedc-agent --help | --version\n"
"\n"
"The agent of one factory site. It only dials out: it polls the coordinator\n"
"over mutual TLS, trains on the site's CSV files and uploads update vectors\n"
"(feature sums, weighted model deltas, evaluation counts) only masked by\n"
"secure aggregation: the coordinator learns the sum over sites, never one\n"
"site's vector. Round keys are signed with the site's TLS key; peers' keys\n"
"are checked against the CA file. Rows never leave the site. After each\n"
"upload the agent keeps the plain vector it masked in\n"
"state_dir/records/job<J>-round<R>-attempt<A>.json (site-local, never sent).\n"
"SIGINT or SIGTERM stop it cleanly (exit 0). SIGHUP (systemctl reload)\n"
"re-reads the [policy] section of the config before the next poll.\n"
"\n"
"  --config FILE     site configuration (INI, see below)\n"
"  --log-level L     overrides [agent] log_level\n"
"  --once            poll once, run the task if there is one, then exit\n"
"                    (exit 0 if it went well or there was nothing to do)\n"
"\n");
	/* two parts: C keeps string literals under 4095 bytes */
	fputs(
"One sum per input (R6): state_dir/inputs/<F> records, per input F (task\n"
"kind, spec, starting model, dataset bytes), the attempts joined (at most 3,\n"
"one at a time) and the survivor list signed; a later attempt on F must have\n"
"exactly those sites. state_dir/inputs.index lists every F: a lost record\n"
"refuses its input. Never delete these; removing the whole state folder\n"
"re-arms every input and is the operator's responsibility.\n"
"One agent per state folder: it holds state_dir/agent.lock; a second agent\n"
"on the same folder exits with status 3.\n"
"\n"
"Example site.ini (relative paths are relative to the config's folder):\n"
"  [agent]\n"
"  coordinator = coordinator.example.org:7443\n"
"                           ; or an active/standby list tried in order:\n"
"                           ; coord-a.example.org:7443, coord-b.example.org:7443\n"
"  poll_interval_ms = 500   ; pause between polls without long polls\n"
"  long_poll_ms = 30000     ; the coordinator holds a poll until it has a\n"
"                           ; task (at most this, and half its offline_after_ms)\n"
"  keepalive_ms = 20000     ; pings keep NATs and proxies from cutting the\n"
"                           ; idle connection (0: none; else >= 1000)\n"
"  state_dir = .\n"
"  log_level = info\n"
"  log_format = text  ; or json: one JSON object a line\n"
"  renew_days = 0     ; renew the certificate with fewer days left (0: as the\n"
"                     ; coordinator says, else 30); needs its CA online\n"
"  proxy = http://proxy.example.org:3128 ; optional HTTP CONNECT proxy\n"
"                     ; (user:password@ before the host for Basic auth; never\n"
"                     ; logged). Unset: grpc_proxy, https_proxy or HTTPS_PROXY\n"
"                     ; from the environment; empty: dial directly. TLS stays\n"
"                     ; end to end; no_proxy is honoured\n"
"  [tls]\n"
"  ca = pki/ca.pem\n"
"  cert = pki/site1.pem\n"
"  key = pki/site1.key\n"
"  [data]\n"
"  shuttle = /srv/data/shuttle-site1.csv\n"
"  breast_cancer = /srv/data/bc.csv\n"
"  ; or rows from SQLite or PostgreSQL (password in PGPASSFILE): one\n"
"  ; read-only SELECT, columns by name as in a CSV\n"
"  quality = sqlite:///srv/data/plant.db?query=SELECT * FROM quality\n"
"  line_b = postgresql://fedc@db.plant.example/quality?query=SELECT * FROM runs\n"
"  [trainer]            ; optional: train with the site's own program\n"
"  program = /srv/fedc/my_trainer.py   ; contract: client/agent_external.h\n"
"  timeout = 600        ; seconds per round; models = mlp (default all)\n"
"  [ops]                ; optional (off by default): plain-HTTP ops listener\n"
"  listen = 127.0.0.1:9465 ; GET /metrics (Prometheus), /healthz, /readyz;\n"
"                       ; port 0 picks a free one (port_file = FILE says it)\n"
"  [policy]\n"
"  allowed_models = logistic, softmax\n"
"  min_other_participants = 3\n"
"\n", f);
	fputs(
"[policy] (optional) is what this site agrees to; every key has a default:\n"
"  allowed_kinds = stats, train, eval   task kinds taken part in (or all)\n"
"  allowed_models = linear, logistic, softmax, mlp   models (or all)\n"
"  max_rounds_per_day = 0     contributions per rolling 24 h, counted from\n"
"                             the files in state_dir/records (0: no limit)\n"
"  min_other_participants = 2 other sites that must be in each round\n"
"  min_honest_sites = 3       T: never summed with fewer honest sites (this\n"
"                             one included), counted in organisations of\n"
"                             the CA-signed member list (SECAGG.md R4)\n"
"  colluders = 1              c: sites that may collude with the\n"
"                             coordinator; rounds need T + c sites, and t,\n"
"                             q and the pairing follow from T and c (R4, R5)\n"
"  min_clip = 0               smallest [secagg] clip of a job taken (0: any)\n"
"  max_model_params = 0       largest model taken (0: no limit)\n"
"  report_own_metrics = false true: also send this site's own evaluation\n"
"                             figures (test rows, loss, accuracy, macro-F1\n"
"                             or R^2) IN CLEAR to the coordinator in rounds\n"
"                             that evaluate the global model; 'fedctl job\n"
"                             status' shows them per site. The secure sum\n"
"                             is unchanged. Only in jobs with [job]\n"
"                             site_figures = true; with false, such jobs\n"
"                             are refused (R9). Default false: never sent.\n"
"A task outside the policy is refused with one log line 'policy: refusing\n"
"job J round R attempt A (kind): why' and this site sends nothing for it.\n"
"The other sites are counted when the task arrives (SaParams n), on the key\n"
"list before any key share is sent, and on the survivor list before the\n"
"survivor list is signed or unmasking shares are sent.\n"
"\n"
"Exit status: 0 ok, 1 runtime error, 2 usage or configuration error,\n"
"3 another agent already runs with this state_dir.\n", f);
	fputs(AGENT_TESTHOOK_HELP, f);
}

static int parse_args(int argc, char **argv, const char **config,
		      const char **level, bool *once)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("fedc-agent %s\n%s", FL_AGENT_VERSION, FL_TESTHOOKS_VERSION_LINE);
			exit(0);
		} else if (strcmp(argv[i], "--once") == 0) {
			*once = true;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			*config = argv[++i];
		} else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc) {
			*level = argv[++i];
		} else {
			fprintf(stderr, "fedc-agent: unknown or incomplete option '%s'\n"
				"Try 'fedc-agent --help'.\n", argv[i]);
			return 2;
		}
	}
	if (!*config) {
		fprintf(stderr, "fedc-agent: --config FILE is required\n"
			"Try 'fedc-agent --help'.\n");
		return 2;
	}
	return 0;
}

static int set_level(const char *s)
{
	enum fl_log_level lv;

	if (fl_log_level_parse(s, &lv) != 0) {
		fprintf(stderr, "fedc-agent: bad log level '%s' (debug, info, warn, "
			"error)\n", s);
		return 2;
	}
	fl_log_set_level(lv);
	return 0;
}

/* Settles the proxy once: [agent] proxy, else the environment; from here
 * on cfg->proxy is what every channel uses ("" = direct). The URL is only
 * ever shown redacted: it may carry the proxy's password. */
static int pick_proxy(fl_agent_config *cfg)
{
	char msg[FL_ERRMSG_BYTES] = "", red[FL_PROXY_URL_BYTES];
	const char *url = NULL, *src = NULL;

	if (fl_proxy_pick(cfg->proxy_set ? cfg->proxy : NULL, &url, &src,
			  msg) != 0) {
		fprintf(stderr, "fedc-agent: bad config: %s\n", msg);
		return 2;
	}
	if (url != cfg->proxy)
		snprintf(cfg->proxy, sizeof(cfg->proxy), "%s", url);
	cfg->proxy_set = true;
	if (cfg->proxy[0] != '\0') {
		fl_proxy_url_redact(cfg->proxy, red, sizeof(red));
		fl_info("dialing %s through the HTTP CONNECT proxy %s (from %s)",
			cfg->coordinator, red, src);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static fl_agent_config cfg;
	char msg[FL_ERRMSG_BYTES] = "";
	const char *config = NULL, *level = NULL;
	enum fl_log_format fmt;
	fl_agent *a = NULL;
	agent_ops ops;
	bool once = false;
	int r, rc;

	fl_log_set_prog("agent");
	if (argc >= 2 && strcmp(argv[1], "csr") == 0)
		return fl_agent_csr_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "enroll") == 0)
		return fl_agent_enroll_main(argc - 1, argv + 1);
	if ((rc = parse_args(argc, argv, &config, &level, &once)) != 0)
		return rc;
	if (sodium_init() < 0) {
		fprintf(stderr, "fedc-agent: libsodium failed to initialise\n");
		return 1;
	}
	if ((r = fl_agent_config_load(config, &cfg, msg)) != 0) {
		if (msg[0])
			fprintf(stderr, "fedc-agent: bad config: %s\n", msg);
		else
			fprintf(stderr, "fedc-agent: %s: %s\n", config, fl_strerror(r));
		return 2;
	}
	if ((rc = set_level(level ? level : (cfg.log_level[0] ? cfg.log_level : "info"))) != 0)
		return rc;
	if (cfg.log_format[0] && fl_log_format_parse(cfg.log_format, &fmt) == 0)
		fl_log_set_format(fmt);
	if ((rc = pick_proxy(&cfg)) != 0)
		return rc;
	fl_stop_signals_catch(on_signal);
	signal(SIGPIPE, SIG_IGN);

	memset(&ops, 0, sizeof(ops));
	fl_rpc_global_init();
	if ((r = fl_agent_new(&cfg, &a)) == FL_E_BUSY) {
		/* logged: another agent holds state_dir/agent.lock */
		rc = 3;
		goto out;
	}
	if (r != 0) {
		fl_error("cannot set up the channel to %s: %s (check the [tls] files "
			 "%s, %s, %s)", cfg.coordinator, fl_strerror(r), cfg.tls.ca,
			 cfg.tls.cert, cfg.tls.key);
		rc = 1;
		goto out;
	}
	if (agent_ops_start(&ops, &cfg) != 0) {
		rc = 2;
		goto out;
	}
	fl_agent_set_reload(a, &agent_reload, config);
	r = fl_agent_run(a, &agent_stop, once);
	rc = r == 0 ? 0 : 1;
out:
	agent_ops_stop(&ops);
	fl_agent_free(a);
	fl_rpc_global_shutdown();
	return rc;
}

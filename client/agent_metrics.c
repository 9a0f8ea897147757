/* SPDX-License-Identifier: Apache-2.0 */
/* agent_metrics: process-wide agent counters. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_metrics.h"
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_prom.h"
#include "fl_prom_process.h"
#include "fl_sign.h"
#include "fl_util.h"

#define AM_KINDS 4u
#define AM_REASONS 13u

static const char *const am_kinds[AM_KINDS] = { "stats", "train", "eval", "other" };
/* the rules of SECAGG.md, the site's policy, and the rest */
static const char *const am_reasons[AM_REASONS] = { "R1", "R2", "R3", "R4", "R5",
	"R6", "R7", "R8", "R9", "R10", "R11", "policy", "other" };
static const double am_train_le[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
				      30, 60, 300, 600, 1800 };

static struct {
	pthread_mutex_t mu;
	int init;
	uint64_t contributed[AM_KINDS], refused[AM_REASONS], rounds_done;
	double last_done_s;                 /* unix seconds, 0: never */
	fl_prom_hist train;
} am = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void am_lock(void)
{
	pthread_mutex_lock(&am.mu);
	if (!am.init) {
		fl_prom_hist_init(&am.train, am_train_le,
				  sizeof(am_train_le) / sizeof(am_train_le[0]));
		am.init = 1;
	}
}

void agent_metrics_contributed(const char *kind)
{
	size_t k = 0;

	while (k + 1 < AM_KINDS && (kind == NULL || strcmp(am_kinds[k], kind) != 0))
		k++;
	am_lock();
	am.contributed[k]++;
	pthread_mutex_unlock(&am.mu);
}

void agent_metrics_round_done(void)
{
	am_lock();
	am.rounds_done++;
	am.last_done_s = (double)fl_time_ms() / 1000.0;
	pthread_mutex_unlock(&am.mu);
}

/* "R4: ..." -> R4; "policy" -> policy; else other. */
static size_t am_reason(const char *why)
{
	size_t len;

	if (why == NULL)
		return AM_REASONS - 1;
	len = strspn(why + (why[0] == 'R'), "0123456789") + (why[0] == 'R');
	for (size_t i = 0; i + 1 < AM_REASONS; i++)
		if ((len > 1 && strlen(am_reasons[i]) == len &&
		     strncmp(am_reasons[i], why, len) == 0) ||
		    strcmp(am_reasons[i], why) == 0)
			return i;
	return AM_REASONS - 1;
}

void agent_metrics_refused(const char *reason)
{
	size_t i = am_reason(reason);

	am_lock();
	am.refused[i]++;
	pthread_mutex_unlock(&am.mu);
}

void agent_metrics_train_seconds(double secs)
{
	am_lock();
	fl_prom_hist_observe(&am.train, secs);
	pthread_mutex_unlock(&am.mu);
}

/* A counter with one sample per value of its label. */
static void am_write_by(fl_prom_buf *b, const char *name, const char *help,
			const char *label, const char *const *values,
			const uint64_t *counts, size_t n)
{
	const char *lab[3] = { label, NULL, NULL };

	fl_prom_head(b, name, "counter", help);
	for (size_t i = 0; i < n; i++) {
		lab[1] = values[i];
		fl_prom_sample(b, name, lab, (double)counts[i]);
	}
}

static void am_write_counters(fl_prom_buf *b)
{
	am_write_by(b, "fedc_agent_rounds_contributed_total",
		    "Rounds this site uploaded its masked input to, by kind.",
		    "kind", am_kinds, am.contributed, AM_KINDS);
	am_write_by(b, "fedc_agent_rounds_refused_total",
		    "Rounds this site refused, by reason (a SECAGG.md rule or its policy).",
		    "reason", am_reasons, am.refused, AM_REASONS);
	fl_prom_head(b, "fedc_agent_rounds_completed_total", "counter",
		     "Rounds whose last step (the unmasking shares) this site finished.");
	fl_prom_sample(b, "fedc_agent_rounds_completed_total", NULL,
		       (double)am.rounds_done);
	fl_prom_head(b, "fedc_agent_last_round_success_timestamp_seconds", "gauge",
		     "When this site last finished a round (unix time; 0: never).");
	fl_prom_sample(b, "fedc_agent_last_round_success_timestamp_seconds", NULL,
		       am.last_done_s);
	fl_prom_head(b, "fedc_agent_local_training_seconds", "histogram",
		     "Time spent computing a round's input locally (training, evaluation).");
	fl_prom_hist_write(b, "fedc_agent_local_training_seconds", NULL, &am.train);
}

/* Days left on the certificate and age of the CRL in state_dir (checked
 * against the CA bundle); absent figures are left out. */
static void am_write_pki(fl_prom_buf *b, const fl_agent_config *cfg)
{
	char *pem = NULL, *ca = NULL, path[FL_PATH_BYTES + 16], err[FL_ERRMSG_BYTES];
	size_t len = 0, ca_len = 0;
	fl_cert_info ci;
	fl_crl_info crl;
	double now = (double)fl_time_ms();

	if (fl_file_read(cfg->tls.cert, FL_SIGN_MAX_PEM, &pem, &len) == 0 &&
	    fl_pki_cert_info(pem, len, &ci) == 0) {
		/* days left: (this - time()) / 86400 in PromQL */
		fl_prom_head(b, "fedc_agent_certificate_expiry_timestamp_seconds",
			     "gauge", "When this site's certificate expires (unix time).");
		fl_prom_sample(b, "fedc_agent_certificate_expiry_timestamp_seconds",
			       NULL, (double)ci.not_after_ms / 1000.0);
	}
	free(pem);
	pem = NULL;
	snprintf(path, sizeof(path), "%s/crl.pem", cfg->state_dir);
	if (fl_file_read(path, FL_SIGN_MAX_PEM, &pem, &len) == 0 &&
	    fl_file_read(cfg->tls.ca, FL_SIGN_MAX_PEM, &ca, &ca_len) == 0 &&
	    fl_pki_crl_check_info(ca, ca_len, pem, len, &crl, err) == 0) {
		fl_prom_head(b, "fedc_agent_crl_age_seconds", "gauge",
			     "Age of the CRL this site holds (since its thisUpdate).");
		fl_prom_sample(b, "fedc_agent_crl_age_seconds", NULL,
			       (now - (double)crl.this_update_ms) / 1000.0);
	}
	free(pem);
	free(ca);
}

int agent_metrics_text(const fl_agent_config *cfg, char **out, size_t *len)
{
	fl_prom_buf *b = fl_prom_buf_new();

	if (b == NULL)
		return FL_E_NOMEM;
	am_lock();
	am_write_counters(b);
	pthread_mutex_unlock(&am.mu);
	if (cfg != NULL)
		am_write_pki(b, cfg);
	fl_prom_process(b, "fedc_agent");
	return fl_prom_buf_finish(b, out, len);
}

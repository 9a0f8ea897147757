/* SPDX-License-Identifier: Apache-2.0 */
/* agent_policy: the site's local policy ([policy]): which tasks it takes part
 * in, with how many other sites, and how often. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent_int.h"
#include "agent_metrics.h"
#include "fl_err.h"
#include "fl_log.h"

static uint32_t kind_bit(enum fl_task_kind k)
{
	switch (k) {
	case FL_TASK_STATS: return FL_POLICY_KIND_STATS;
	case FL_TASK_TRAIN: return FL_POLICY_KIND_TRAIN;
	case FL_TASK_EVAL: return FL_POLICY_KIND_EVAL;
	case FL_TASK_NONE: break;
	}
	return 0;
}

/* "a, b": the names whose bit is set in bits, in table order. */
static void bits_str(uint32_t bits, const uint32_t *bit, const char *const *name,
		     size_t n, char *buf, size_t cap)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n && len < cap; i++)
		if (bits & bit[i]) {
			int k = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "",
					 name[i]);
			len += k > 0 ? (size_t)k : 0;
		}
}

/* "stats, train" from FL_POLICY_KIND_* bits. */
static void kinds_str(uint32_t bits, char *buf, size_t cap)
{
	const uint32_t bit[] = { kind_bit(FL_TASK_STATS), kind_bit(FL_TASK_TRAIN),
				 kind_bit(FL_TASK_EVAL) };
	const char *const name[] = { fl_agent_task_name(FL_TASK_STATS),
				     fl_agent_task_name(FL_TASK_TRAIN),
				     fl_agent_task_name(FL_TASK_EVAL) };

	bits_str(bits, bit, name, sizeof(bit) / sizeof(bit[0]), buf, cap);
}

/* "linear, logistic" from FL_POLICY_MODEL_BIT() bits. */
static void models_str(uint32_t bits, char *buf, size_t cap)
{
	const uint32_t bit[] = { FL_POLICY_MODEL_BIT(FL_MODEL_LINEAR),
				 FL_POLICY_MODEL_BIT(FL_MODEL_LOGISTIC),
				 FL_POLICY_MODEL_BIT(FL_MODEL_SOFTMAX),
				 FL_POLICY_MODEL_BIT(FL_MODEL_MLP) };
	const char *const name[] = { fl_model_kind_name(FL_MODEL_LINEAR),
				     fl_model_kind_name(FL_MODEL_LOGISTIC),
				     fl_model_kind_name(FL_MODEL_SOFTMAX),
				     fl_model_kind_name(FL_MODEL_MLP) };

	bits_str(bits, bit, name, sizeof(bit) / sizeof(bit[0]), buf, cap);
}

static int deny(char *reason, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int deny(char *reason, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (reason && cap) {
		va_start(ap, fmt);
		vsnprintf(reason, cap, fmt, ap);
		va_end(ap);
	}
	return FL_E_DENIED;
}

static int check_others(const fl_agent_policy *p, const fl_agent_policy_facts *f,
			char *reason, size_t cap)
{
	static const char *what[] = {
		[FL_POLICY_AT_TASK] = "the round has",
		[FL_POLICY_AT_KEYS] = "the key list has valid round keys from",
		[FL_POLICY_AT_SURVIVORS] = "the survivor list names",
	};

	if (f->others >= p->min_other_participants)
		return 0;
	return deny(reason, cap, "%s only %u other site%s (min_other_participants %u)%s",
		    what[f->stage], f->others, f->others == 1 ? "" : "s",
		    p->min_other_participants,
		    f->stage == FL_POLICY_AT_SURVIVORS ?
		    "; not revealing shares for so small a sum" : "");
}

/* The rules about the task itself (advertise only). */
static int check_task(const fl_agent_policy *p, const fl_agent_policy_facts *f,
		      char *reason, size_t cap)
{
	char list[64];
	uint32_t mbit = f->model >= FL_MODEL_LINEAR && f->model <= FL_MODEL_MLP ?
		FL_POLICY_MODEL_BIT(f->model) : 0;

	if (!(p->kinds & kind_bit(f->kind))) {
		kinds_str(p->kinds, list, sizeof(list));
		return deny(reason, cap, "task kind %s not in allowed_kinds (%s)",
			    fl_agent_task_name(f->kind), list);
	}
	if ((p->models & FL_POLICY_MODELS_ALL) != FL_POLICY_MODELS_ALL &&
	    !(p->models & mbit)) {
		models_str(p->models, list, sizeof(list));
		if (mbit == 0)
			return deny(reason, cap, "the task's model kind is unknown "
				    "(allowed_models %s)", list);
		return deny(reason, cap, "model %s not in allowed_models (%s)",
			    fl_model_kind_name(f->model), list);
	}
	if (p->max_model_params > 0 &&
	    (f->nparams == 0 || f->nparams > p->max_model_params)) {
		if (f->nparams == 0)
			return deny(reason, cap, "the model's size is unknown "
				    "(max_model_params %llu)",
				    (unsigned long long)p->max_model_params);
		return deny(reason, cap, "model has %llu parameters, above "
			    "max_model_params %llu", (unsigned long long)f->nparams,
			    (unsigned long long)p->max_model_params);
	}
	if (p->require_dp && !f->dp)
		return deny(reason, cap, "the task is not noisy (no [privacy], or "
			    "a STATS round without [privacy] bounds) and this "
			    "site's policy sets require_dp = true");
	/* !(a >= b) also refuses a NaN clip. */
	if (p->min_clip > 0 && !(f->clip >= p->min_clip))
		return deny(reason, cap, "clip %g is below min_clip %g", f->clip,
			    p->min_clip);
	return 0;
}

#define AGENT_R9_REASON "R9: the job publishes per-site figures and this " \
	"site's policy does not (report_own_metrics = false)"

int fl_agent_policy_check(const fl_agent_policy *p, const fl_agent_policy_facts *f,
			  char *reason, size_t cap)
{
	int r;

	if (!p || !f || f->stage > FL_POLICY_AT_SURVIVORS)
		return FL_E_INVAL;
	if (reason && cap)
		reason[0] = '\0';
	/* R9: within one job every participant's figures are public or none
	 * are, else the one silent site's figures follow by subtraction. */
	if (f->stage == FL_POLICY_AT_TASK && f->site_figures && !p->report_own_metrics)
		return deny(reason, cap, "%s", AGENT_R9_REASON);
	if (f->stage == FL_POLICY_AT_TASK && (r = check_task(p, f, reason, cap)) != 0)
		return r;
	if ((r = check_others(p, f, reason, cap)) != 0)
		return r;
	if (f->stage == FL_POLICY_AT_TASK && p->max_rounds_per_day > 0 &&
	    f->recent_rounds >= p->max_rounds_per_day)
		return deny(reason, cap, "this site contributed %u round%s in the "
			    "last 24 h (max_rounds_per_day %u)", f->recent_rounds,
			    f->recent_rounds == 1 ? "" : "s", p->max_rounds_per_day);
	return 0;
}

bool fl_agent_policy_site_figures(const fl_agent_policy *p, const fl_jobspec *spec)
{
	return p && spec && spec->site_figures && p->report_own_metrics;
}

uint32_t fl_agent_policy_count_others(const uint32_t *ids, uint32_t count,
				      uint32_t self, uint32_t n)
{
	uint8_t seen[FL_SECAGG_MAX_CLIENTS / 8 + 1];
	uint32_t i, c = 0;

	if (!ids)
		return 0;
	if (n > FL_SECAGG_MAX_CLIENTS)
		n = FL_SECAGG_MAX_CLIENTS;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < count; i++) {
		uint32_t id = ids[i];

		if (id == 0 || id > n || id == self || (seen[id / 8] & (1u << (id % 8))))
			continue;
		seen[id / 8] |= (uint8_t)(1u << (id % 8));
		c++;
	}
	return c;
}

uint64_t fl_agent_policy_nparams(const fl_jobspec *spec, uint32_t d)
{
	uint64_t in = d, total = 0, out;
	uint32_t i;

	if (!spec)
		return 0;
	switch (spec->model) {
	case FL_MODEL_LINEAR:
	case FL_MODEL_LOGISTIC:
		return in + 1;
	case FL_MODEL_SOFTMAX:
		return (in + 1) * spec->nlabels;
	case FL_MODEL_MLP:
		for (i = 0; i < spec->nhidden && i < FL_JOBSPEC_MAX_HIDDEN; i++) {
			total += (in + 1) * spec->hidden[i];
			in = spec->hidden[i];
		}
		out = spec->nlabels > 0 ? spec->nlabels : 1;
		return total + (in + 1) * out;
	}
	return 0;
}

/* Whether a records entry is a finished record: job*.json (not the
 * writer's temporary job*.json.tmp.XXXXXX). */
static bool is_record_name(const char *name)
{
	size_t len = strlen(name);

	return strncmp(name, "job", 3) == 0 && len > 8 &&
		strcmp(name + len - 5, ".json") == 0;
}

int fl_agent_policy_recent(const char *state_dir, int64_t now_s, uint32_t *count)
{
	char dir[FL_PATH_BYTES + 16], path[FL_PATH_BYTES + 300];
	struct dirent *de;
	struct stat sb;
	uint32_t c = 0;
	DIR *d;

	if (!state_dir || !count)
		return FL_E_INVAL;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/records", state_dir) >= sizeof(dir))
		return FL_E_TOOBIG;
	if ((d = opendir(dir)) == NULL) {
		if (errno != ENOENT)
			return FL_E_IO;
		*count = 0;
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_record_name(de->d_name) ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    sizeof(path) || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		/* A clock set back leaves future mtimes: they count too. */
		if ((int64_t)sb.st_mtime > now_s - FL_AGENT_POLICY_WINDOW_S)
			c++;
	}
	closedir(d);
	*count = c;
	return 0;
}

/* ---- the agent's glue ---- */

static int refuse(const fl_msg_task *t, const char *reason)
{
	fl_warn("policy: refusing job %llu round %u attempt %u (%s): %s",
		(unsigned long long)t->job_id, t->round, t->attempt,
		fl_agent_task_name(t->kind), reason);
	/* counted under its rule ("R4: ...") if it names one, else "policy" */
	agent_metrics_refused(reason[0] == 'R' && reason[1] >= '0' &&
			      reason[1] <= '9' ? reason : "policy");
	return FL_E_DENIED;
}

/* Whether the policy refuses the job whatever the round (R9, its model,
 * size or clip), not only this round (its kind, the other sites, the daily
 * cap): the check again with those three out of the way. */
static bool policy_job_wide(const fl_agent_policy *p, const fl_agent_policy_facts *f)
{
	fl_agent_policy q = *p;
	fl_agent_policy_facts g = *f;

	q.kinds = FL_POLICY_KINDS_ALL;
	q.min_other_participants = 0;
	q.max_rounds_per_day = 0;
	return fl_agent_policy_check(&q, &g, NULL, 0) != 0;
}

int agent_policy_task(fl_agent *a, const fl_msg_task *t, const fl_jobspec *spec,
		      const fl_dataset *train)
{
	const fl_agent_policy *p = &a->cfg.policy;
	fl_agent_policy_facts f;
	char reason[FL_ERRMSG_BYTES];
	int r;

	memset(&f, 0, sizeof(f));
	f.stage = FL_POLICY_AT_TASK;
	f.kind = t->kind;
	f.clip = t->sa.clip;
	f.others = t->sa.n > 0 ? t->sa.n - 1 : 0;
	if (spec) {
		f.site_figures = spec->site_figures;
		/* a STATS round is noisy only with [privacy] bounds */
		f.dp = spec->dp && (t->kind != FL_TASK_STATS ||
				    fl_jobspec_privacy_stats(spec));
		f.model = spec->model;
		if (train)
			f.nparams = fl_agent_policy_nparams(spec, train->d);
	}
	if (p->max_rounds_per_day > 0 &&
	    (r = fl_agent_policy_recent(a->cfg.state_dir, fl_time_ms() / 1000,
					&f.recent_rounds)) != 0) {
		snprintf(reason, sizeof(reason), "cannot count this site's recent "
			 "contributions in %.120s/records (%s), and max_rounds_per_day is "
			 "set", a->cfg.state_dir, fl_strerror(r));
		return refuse(t, reason);
	}
	if (fl_agent_policy_check(p, &f, reason, sizeof(reason)) != 0) {
		/* the coordinator learns the rule (its text names no data) */
		(void)agent_decline(a, t, policy_job_wide(p, &f) ? FL_DECLINE_POLICY :
				    FL_DECLINE_POLICY_ROUND, "%s", reason);
		if (strncmp(reason, "R9:", 3) == 0) {
			/* A job-wide refusal: one line names the job and round. */
			fl_warn("policy: refused job %llu round %u: %s",
				(unsigned long long)t->job_id, t->round, reason);
			agent_metrics_refused("R9");
			return FL_E_DENIED;
		}
		return refuse(t, reason);
	}
	return 0;
}

int agent_policy_others(fl_agent *a, const fl_msg_task *t,
			enum fl_agent_policy_stage st, uint32_t others)
{
	fl_agent_policy_facts f;
	char reason[FL_ERRMSG_BYTES];

	memset(&f, 0, sizeof(f));
	f.stage = st;
	f.kind = t->kind;
	f.others = others;
	if (fl_agent_policy_check(&a->cfg.policy, &f, reason, sizeof(reason)) != 0)
		return refuse(t, reason);
	return 0;
}

uint32_t agent_policy_key_others(fl_secagg_client *c, const fl_secagg_keylist *kl,
				 uint32_t self, uint32_t n)
{
	uint32_t *ids, i, m = 0, out;

	if (!kl || kl->count == 0 || !kl->adverts)
		return 0;
	if ((ids = calloc(kl->count, sizeof(*ids))) == NULL)
		return 0;   /* counts as nobody: the round is refused */
	for (i = 0; i < kl->count; i++) {
		uint32_t id = kl->adverts[i].client;
		int st = fl_secagg_client_peer_status(c, id);

		/* Non-neighbours (SecAgg+) are not checked by this site. */
		if (st == 0 || st == FL_E_NOTFOUND)
			ids[m++] = id;
	}
	out = fl_agent_policy_count_others(ids, m, self, n);
	free(ids);
	return out;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* coord_decline: why sites do not take part. The declines noted in a job
 * (a site's own, from coord_decline_api.c, and the ones the coordinator
 * infers: a site online without the job's dataset), and the rule that
 * fails a job no site can run, at once rather than after its phase
 * deadlines or never (README "Declines"). Below the round, which checks the
 * rule each tick. Texts carry names and counts only, never a value from a
 * site's data. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_events.h"
#include "coord_engine_int.h"
#include "fl_codec.h"
#include "fl_config.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_util.h"

/* The rule is checked at most this often while nothing new came in. */
#define COORD_DECLINE_CHECK_MS 1000
/* Once the rule holds, how long the sites still busy in the attempt have
 * to say why too (they all check at the same phase), so that the job's
 * record has every site's reason. */
#define COORD_DECLINE_SETTLE_MS 2000
/* Site names per reason in the job's error (fedctl job status has all). */
#define COORD_DECLINE_NAMES 5u

coord_decl *coord_decline_find(const coord_job *j, const char *site)
{
	for (uint32_t i = 0; i < j->ndecl; i++)
		if (strcmp(j->decl[i].site, site) == 0)
			return &j->decl[i];
	return NULL;
}

int coord_decline_excluded(const coord_job *j, const char *site)
{
	const coord_decl *d = coord_decline_find(j, site);

	return d && !d->inferred && fl_decline_lasting((enum fl_decline_reason)d->reason);
}

int coord_decline_note(coord_job *j, const char *site, enum fl_decline_reason reason,
		     int inferred, const char *text)
{
	coord_decl *d = coord_decline_find(j, site), *nd;

	if (d == NULL) {
		if ((nd = realloc(j->decl, (j->ndecl + 1) * sizeof(*nd))) == NULL)
			return FL_E_NOMEM;
		j->decl = nd;
		d = &j->decl[j->ndecl++];
		memset(d, 0, sizeof(*d));
		snprintf(d->site, sizeof(d->site), "%s", site);
	}
	d->reason = (uint8_t)reason;
	d->inferred = (uint8_t)inferred;
	snprintf(d->text, sizeof(d->text), "%s", text);
	j->decl_checked_ms = 0;
	return 0;
}

void coord_decline_record(coord_engine *e, const coord_job *j, const char *site,
			uint32_t round, uint32_t attempt, enum fl_decline_reason reason,
			const char *text, int64_t now_ms)
{
	fl_msg_decline d;

	memset(&d, 0, sizeof(d));
	d.round = round;
	d.attempt = attempt;
	d.reason = reason;
	d.at_ms = now_ms;
	snprintf(d.site, sizeof(d.site), "%s", site);
	snprintf(d.text, sizeof(d.text), "%s", text);
	if (coord_store_decline_put(e->st, j->id, &d) != 0)
		fl_warn("job %llu: cannot store the decline of site '%s'",
			(unsigned long long)j->id, site);
	coord_event(j->id, round, attempt, COORD_EV_SITE_DECLINED, site, "%s: %s",
		    fl_decline_reason_name(reason), text);
}

/* ---- the rule ---- */

static int site_has(const coord_site *s, const char *dataset)
{
	for (uint32_t i = 0; i < s->ndatasets; i++)
		if (strcmp(s->datasets[i], dataset) == 0)
			return 1;
	return 0;
}

/* Appends to buf at off (cut at cap); returns the new offset. */
static size_t sum_put(char *buf, size_t cap, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t sum_put(char *buf, size_t cap, size_t off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (off + 1 >= cap)
		return off;
	va_start(ap, fmt);
	w = vsnprintf(buf + off, cap - off, fmt, ap);
	va_end(ap);
	if (w < 0)
		return off;
	return (size_t)w < cap - off ? off + (size_t)w : cap - 1;
}

static int decl_counted(const coord_decl *d, int lasting_only)
{
	return !lasting_only || d->inferred ||
		fl_decline_lasting((enum fl_decline_reason)d->reason);
}

uint32_t coord_decline_summary(const coord_decl *d, uint32_t n, uint32_t total,
			       int lasting_only, char *buf, size_t cap)
{
	uint32_t cnt = 0, groups = 0;
	size_t off;

	if (cap == 0)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		cnt += (uint32_t)decl_counted(&d[i], lasting_only);
	buf[0] = '\0';
	off = sum_put(buf, cap, 0, "%u of %u sites declined", cnt, total);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k, shown = 0, more = 0;

		if (!decl_counted(&d[i], lasting_only))
			continue;
		for (k = 0; k < i; k++)   /* a reason is written at its first site */
			if (decl_counted(&d[k], lasting_only) && d[k].reason == d[i].reason)
				break;
		if (k < i)
			continue;
		off = sum_put(buf, cap, off, "%s %s (", groups++ ? ";" : ":",
			      fl_decline_reason_name((enum fl_decline_reason)d[i].reason));
		for (k = i; k < n; k++) {
			if (!decl_counted(&d[k], lasting_only) || d[k].reason != d[i].reason)
				continue;
			if (shown < COORD_DECLINE_NAMES)
				off = sum_put(buf, cap, off, "%s%s", shown ? " " : "",
					      d[k].site);
			else
				more++;
			shown++;
		}
		if (more)
			off = sum_put(buf, cap, off, " and %u more", more);
		off = sum_put(buf, cap, off, "): %s", d[i].text);
	}
	return cnt;
}

/* The fewest sites a round of j needs with these online candidates:
 * min_clients, COORD_SA_MIN_SITES and the largest T + c they declare (as
 * coord_round.c selects). */
static uint32_t rule_need(const coord_job *j, uint32_t need_policy)
{
	uint32_t need = j->spec.min_clients ? j->spec.min_clients : 1;

	if (need < COORD_SA_MIN_SITES)
		need = COORD_SA_MIN_SITES;
	return need > need_policy ? need : need_policy;
}

/* Counts the sites that may still take part (*cand) and those the
 * declines keep out (*out); notes the inferred declines. */
static int rule_count(coord_engine *e, coord_job *j, int64_t now_ms,
		      uint32_t *cand, uint32_t *out, uint32_t *need)
{
	coord_site_row *rows = NULL;
	size_t n = 0;
	uint32_t policy = 0;
	int r;

	*cand = *out = 0;
	if ((r = coord_store_site_list(e->st, &rows, &n)) != 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		const fl_msg_site_info *si = &rows[i].info;
		const coord_site *s;
		char text[FL_MSG_DECLINE_TEXT_MAX + 1];
		int online;

		if (strcmp(si->role, "site") != 0 || si->revoked)
			continue;
		s = coord_engine_site_find(e, si->name);
		online = s && now_ms - s->last_seen_ms <= (int64_t)e->opts.offline_after_ms;
		if (coord_decline_excluded(j, si->name)) {
			(*out)++;
			continue;
		}
		if (online && !site_has(s, j->spec.dataset)) {
			const coord_decl *d = coord_decline_find(j, si->name);

			if (d == NULL || !d->inferred) {
				snprintf(text, sizeof(text), "the site holds no dataset "
					 "'%.64s' (its [data] names %u others)",
					 j->spec.dataset, s->ndatasets);
				if (coord_decline_note(j, si->name, FL_DECLINE_DATASET, 1, text) == 0)
					coord_decline_record(e, j, si->name, j->next_round, 0,
						    FL_DECLINE_DATASET, text, now_ms);
			}
			(*out)++;
			continue;
		}
		(*cand)++;
		if (online) {
			uint32_t t = s->min_honest ? s->min_honest + s->colluders :
				FL_POLICY_DEFAULT_MIN_HONEST + FL_POLICY_DEFAULT_COLLUDERS;

			policy = t > policy ? t : policy;
		}
	}
	free(rows);
	*need = rule_need(j, policy);
	return 0;
}

/* Whether every selected site of the attempt under way declined or
 * answered the current phase (none of them may still decline in it). */
static int rule_settled(const coord_job *j)
{
	for (uint32_t i = 0; j->rs.active && i < j->rs.nsel; i++)
		if (coord_secagg_slot_busy(&j->rs, &j->rs.sel[i]))
			return 0;
	return 1;
}

int coord_decline_check(coord_engine *e, coord_job *j, int64_t now_ms,
			char *why, size_t whycap)
{
	uint32_t cand, out, need;
	char sum[FL_MSG_ERROR_BYTES];
	int diverged = 0;

	/* A running round with no decline has nothing to check. */
	if (j->rs.active && j->ndecl == 0)
		return 0;
	if (j->decl_checked_ms != 0 && now_ms - j->decl_checked_ms < COORD_DECLINE_CHECK_MS &&
	    j->decl_hopeless_ms == 0)
		return 0;
	j->decl_checked_ms = now_ms;
	if (rule_count(e, j, now_ms, &cand, &out, &need) != 0)
		return 0;   /* logged; checked again later */
	if (out == 0 || cand >= need || cand + out < need) {
		j->decl_hopeless_ms = 0;
		return 0;
	}
	if (j->decl_hopeless_ms == 0)
		j->decl_hopeless_ms = now_ms;
	if (!rule_settled(j) && now_ms - j->decl_hopeless_ms < COORD_DECLINE_SETTLE_MS)
		return 0;
	coord_decline_summary(j->decl, j->ndecl, cand + out, 1, sum, sizeof(sum));
	for (uint32_t i = 0; i < j->ndecl; i++)
		diverged |= j->decl[i].reason == FL_DECLINE_DIVERGED;
	if (diverged)
		snprintf(why, whycap, "local training diverged: lower [train] lr (now "
			 "%g); %s; %u sites left, %u needed", j->spec.lr, sum, cand, need);
	else
		snprintf(why, whycap, "no site can run it: %s; %u sites left, %u "
			 "needed", sum, cand, need);
	return 1;
}

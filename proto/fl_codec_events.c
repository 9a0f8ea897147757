/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_events: encode/decode job events, audit entries and a site's
 * record (events.proto). */
#include <stdlib.h>
#include <string.h>
#include "events.pb-c.h"
#include "fl_codec_events.h"
#include "fl_codec_int.h"
#include "fl_err.h"

#define UNPACK(desc) ((void *)fl_codec_unpack(&(desc), buf, len, &r))
#define FIX(f) fl_codec_fixed_ok((f), sizeof(f))

void fl_msg_event_list_clear(fl_msg_event_list *m)
{
	if (!m)
		return;
	free(m->events);
	memset(m, 0, sizeof(*m));
}

void fl_msg_audit_list_clear(fl_msg_audit_list *m)
{
	if (!m)
		return;
	free(m->entries);
	memset(m, 0, sizeof(*m));
}

void fl_msg_site_detail_clear(fl_msg_site_detail *m)
{
	if (!m)
		return;
	free(m->certs);
	free(m->jobs);
	memset(m, 0, sizeof(*m));
}

int fl_codec_encode_event_req(const fl_msg_event_req *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__EventRequest m = FEDC__V1__EVENT_REQUEST__INIT;

	if (!in || !buf || !len)
		return FL_E_INVAL;
	m.job_id = in->job_id;
	m.after_id = in->after_id;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_event_req(const uint8_t *buf, size_t len, fl_msg_event_req *out)
{
	Fedc__V1__EventRequest *m;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__event_request__descriptor)) == NULL)
		return r;
	out->job_id = m->job_id;
	out->after_id = m->after_id;
	fl_codec_free(&m->base);
	return 0;
}

int fl_codec_encode_event_list(const fl_msg_event_list *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__EventList m = FEDC__V1__EVENT_LIST__INIT;
	Fedc__V1__JobEvent *e = NULL, **pe = NULL;
	size_t i;
	int r;

	if (!in || !buf || !len || (in->n && !in->events) || !FIX(in->job_state))
		return FL_E_INVAL;
	if (in->n > FL_EVENTS_MAX_LIST)
		return FL_E_TOOBIG;
	if (in->n && ((e = calloc(in->n, sizeof(*e))) == NULL ||
		      (pe = calloc(in->n, sizeof(*pe))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < in->n; i++) {
		const fl_msg_job_event *s = &in->events[i];

		if (!FIX(s->kind) || !FIX(s->site) || !FIX(s->text)) {
			r = FL_E_INVAL;
			goto out;
		}
		fedc__v1__job_event__init(&e[i]);
		e[i].id = s->id;
		e[i].ts_ms = s->ts_ms;
		e[i].round = s->round;
		e[i].attempt = s->attempt;
		e[i].kind = (char *)s->kind;
		e[i].site = (char *)s->site;
		e[i].text = (char *)s->text;
		pe[i] = &e[i];
	}
	m.n_events = in->n;
	m.events = pe;
	m.job_state = (char *)in->job_state;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(e);
	free(pe);
	return r;
}

int fl_codec_decode_event_list(const uint8_t *buf, size_t len, fl_msg_event_list *out)
{
	Fedc__V1__EventList *m;
	fl_msg_event_list t;
	size_t i;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__event_list__descriptor)) == NULL)
		return r;
	memset(&t, 0, sizeof(t));
	if (m->n_events > FL_EVENTS_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_events && (t.events = calloc(m->n_events, sizeof(*t.events))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	t.n = m->n_events;
	if ((r = fl_codec_str_in(t.job_state, sizeof(t.job_state), m->job_state)) != 0)
		goto out;
	for (i = 0; i < m->n_events; i++) {
		const Fedc__V1__JobEvent *e = m->events[i];
		fl_msg_job_event *o = &t.events[i];

		if (e == NULL) {
			r = FL_E_PARSE;
			goto out;
		}
		if ((r = fl_codec_str_in(o->kind, sizeof(o->kind), e->kind)) != 0 ||
		    (r = fl_codec_str_in(o->site, sizeof(o->site), e->site)) != 0 ||
		    (r = fl_codec_str_in(o->text, sizeof(o->text), e->text)) != 0)
			goto out;
		o->id = e->id;
		o->ts_ms = e->ts_ms;
		o->round = e->round;
		o->attempt = e->attempt;
	}
	*out = t;
	memset(&t, 0, sizeof(t));
	r = 0;
out:
	fl_msg_event_list_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_audit_list(const fl_msg_audit_list *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__AuditList m = FEDC__V1__AUDIT_LIST__INIT;
	Fedc__V1__AuditEntry *e = NULL, **pe = NULL;
	size_t i;
	int r;

	if (!in || !buf || !len || (in->n && !in->entries))
		return FL_E_INVAL;
	if (in->n > FL_EVENTS_MAX_LIST)
		return FL_E_TOOBIG;
	if (in->n && ((e = calloc(in->n, sizeof(*e))) == NULL ||
		      (pe = calloc(in->n, sizeof(*pe))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < in->n; i++) {
		const fl_msg_audit_entry *s = &in->entries[i];

		if (!FIX(s->who) || !FIX(s->action) || !FIX(s->detail)) {
			r = FL_E_INVAL;
			goto out;
		}
		fedc__v1__audit_entry__init(&e[i]);
		e[i].id = s->id;
		e[i].ts_ms = s->ts_ms;
		e[i].who = (char *)s->who;
		e[i].action = (char *)s->action;
		e[i].detail = (char *)s->detail;
		pe[i] = &e[i];
	}
	m.n_entries = in->n;
	m.entries = pe;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(e);
	free(pe);
	return r;
}

int fl_codec_decode_audit_list(const uint8_t *buf, size_t len, fl_msg_audit_list *out)
{
	Fedc__V1__AuditList *m;
	fl_msg_audit_list t;
	size_t i;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__audit_list__descriptor)) == NULL)
		return r;
	memset(&t, 0, sizeof(t));
	if (m->n_entries > FL_EVENTS_MAX_LIST) {
		r = FL_E_TOOBIG;
		goto out;
	}
	if (m->n_entries && (t.entries = calloc(m->n_entries, sizeof(*t.entries))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	t.n = m->n_entries;
	for (i = 0; i < m->n_entries; i++) {
		const Fedc__V1__AuditEntry *e = m->entries[i];
		fl_msg_audit_entry *o = &t.entries[i];

		if (e == NULL) {
			r = FL_E_PARSE;
			goto out;
		}
		if ((r = fl_codec_str_in(o->who, sizeof(o->who), e->who)) != 0 ||
		    (r = fl_codec_str_in(o->action, sizeof(o->action), e->action)) != 0 ||
		    (r = fl_codec_str_in(o->detail, sizeof(o->detail), e->detail)) != 0)
			goto out;
		o->id = e->id;
		o->ts_ms = e->ts_ms;
	}
	*out = t;
	memset(&t, 0, sizeof(t));
	r = 0;
out:
	fl_msg_audit_list_clear(&t);
	fl_codec_free(&m->base);
	return r;
}

int fl_codec_encode_site_detail(const fl_msg_site_detail *in, uint8_t **buf, size_t *len)
{
	Fedc__V1__SiteDetail m = FEDC__V1__SITE_DETAIL__INIT;
	Fedc__V1__SiteInfo si = FEDC__V1__SITE_INFO__INIT;
	Fedc__V1__SiteCert *c = NULL, **pc = NULL;
	size_t i;
	int r;

	if (!in || !buf || !len || (in->ncerts && !in->certs) || (in->njobs && !in->jobs) ||
	    !FIX(in->site.name) || !FIX(in->site.role) || !FIX(in->datasets))
		return FL_E_INVAL;
	if (in->ncerts > FL_SITE_MAX_CERTS || in->njobs > FL_SITE_MAX_JOBS)
		return FL_E_TOOBIG;
	if (in->ncerts && ((c = calloc(in->ncerts, sizeof(*c))) == NULL ||
			   (pc = calloc(in->ncerts, sizeof(*pc))) == NULL)) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (i = 0; i < in->ncerts; i++) {
		const fl_msg_site_cert *s = &in->certs[i];

		if (!FIX(s->fingerprint) || !FIX(s->serial)) {
			r = FL_E_INVAL;
			goto out;
		}
		fedc__v1__site_cert__init(&c[i]);
		c[i].fingerprint = (char *)s->fingerprint;
		c[i].serial = (char *)s->serial;
		c[i].not_after_ms = s->not_after_ms;
		c[i].first_seen_ms = s->first_seen_ms;
		pc[i] = &c[i];
	}
	si.name = (char *)in->site.name;
	si.role = (char *)in->site.role;
	si.added_ms = in->site.added_ms;
	si.last_seen_ms = in->site.last_seen_ms;
	si.online = in->site.online;
	si.revoked = in->site.revoked;
	m.site = &si;
	m.datasets = (char *)in->datasets;
	m.n_certs = in->ncerts;
	m.certs = pc;
	m.rounds = in->rounds;
	m.n_jobs = in->njobs;
	m.jobs = (uint64_t *)in->jobs;
	r = fl_codec_pack(&m.base, buf, len);
out:
	free(c);
	free(pc);
	return r;
}

static int site_detail_in(const Fedc__V1__SiteDetail *m, fl_msg_site_detail *t)
{
	size_t i;
	int r;

	if (m->site == NULL)
		return FL_E_PARSE;
	if (m->n_certs > FL_SITE_MAX_CERTS || m->n_jobs > FL_SITE_MAX_JOBS)
		return FL_E_TOOBIG;
	if ((r = fl_codec_str_in(t->site.name, sizeof(t->site.name), m->site->name)) != 0 ||
	    (r = fl_codec_str_in(t->site.role, sizeof(t->site.role), m->site->role)) != 0 ||
	    (r = fl_codec_str_in(t->datasets, sizeof(t->datasets), m->datasets)) != 0)
		return r;
	t->site.added_ms = m->site->added_ms;
	t->site.last_seen_ms = m->site->last_seen_ms;
	t->site.online = m->site->online != 0;
	t->site.revoked = m->site->revoked != 0;
	t->rounds = m->rounds;
	if (m->n_certs && (t->certs = calloc(m->n_certs, sizeof(*t->certs))) == NULL)
		return FL_E_NOMEM;
	t->ncerts = m->n_certs;
	for (i = 0; i < m->n_certs; i++) {
		const Fedc__V1__SiteCert *c = m->certs[i];

		if (c == NULL)
			return FL_E_PARSE;
		if ((r = fl_codec_str_in(t->certs[i].fingerprint,
					 sizeof(t->certs[i].fingerprint), c->fingerprint)) != 0 ||
		    (r = fl_codec_str_in(t->certs[i].serial, sizeof(t->certs[i].serial),
					 c->serial)) != 0)
			return r;
		t->certs[i].not_after_ms = c->not_after_ms;
		t->certs[i].first_seen_ms = c->first_seen_ms;
	}
	if (m->n_jobs && (t->jobs = calloc(m->n_jobs, sizeof(*t->jobs))) == NULL)
		return FL_E_NOMEM;
	t->njobs = m->n_jobs;
	if (m->n_jobs)
		memcpy(t->jobs, m->jobs, m->n_jobs * sizeof(*t->jobs));
	return 0;
}

int fl_codec_decode_site_detail(const uint8_t *buf, size_t len, fl_msg_site_detail *out)
{
	Fedc__V1__SiteDetail *m;
	fl_msg_site_detail *t;
	int r;

	if (!out)
		return FL_E_INVAL;
	if ((m = UNPACK(fedc__v1__site_detail__descriptor)) == NULL)
		return r;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if ((r = site_detail_in(m, t)) == 0) {
		*out = *t;
		memset(t, 0, sizeof(*t));
	}
	fl_msg_site_detail_clear(t);
	free(t);
out:
	fl_codec_free(&m->base);
	return r;
}

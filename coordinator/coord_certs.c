/* SPDX-License-Identifier: Apache-2.0 */
/* coord_certs: certificates seen per site, and the published CRLs. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "coord_ca.h"
#include "coord_certs.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"

#define COORD_CRL_WARN_BEFORE_MS (24 * 3600 * 1000LL)
#define COORD_CRL_WARN_EVERY_MS (3600 * 1000LL)
/* With the CA online, a CRL is re-signed this long before its nextUpdate. */
#define COORD_CRL_REFRESH_BEFORE_MS (7 * 24 * 3600 * 1000LL)

struct coord_certs {
	pthread_mutex_t mu;
	char (*seen)[65];          /* fingerprints recorded by this process */
	size_t nseen, capseen;
	/* the current CRL: its number, the serials it revokes (sorted) and
	 * when it must be replaced */
	uint64_t crl_number;
	char (*revoked)[FL_PKI_SERIAL_BYTES];
	size_t nrevoked;
	int64_t crl_next_update_ms;
	int64_t crl_warned_ms;
	int64_t crl_refresh_ms;    /* last automatic re-signing attempt */
	char *ca_pem;              /* the CA bundle CRLs must be signed by */
	size_t ca_len;
};

static int serial_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Makes pem (number) the current CRL: its serials replace the old set.
 * Call with the mutex held, or before the object is shared. */
static int crl_install(coord_certs *c, const char *pem, uint64_t number,
		       int64_t next_update_ms)
{
	char (*list)[FL_PKI_SERIAL_BYTES] = NULL;
	size_t n = 0;
	int r;

	if ((r = fl_pki_crl_serials(pem, strlen(pem), &list, &n)) != 0)
		return r;
	free(c->revoked);
	c->revoked = list;
	c->nrevoked = n;
	c->crl_number = number;
	c->crl_next_update_ms = next_update_ms;
	c->crl_warned_ms = 0;
	return 0;
}

/* nextUpdate of a CRL made here (0 if it cannot be read). */
static int64_t crl_next_update(const coord_certs *c, const char *pem)
{
	fl_crl_info info;

	if (!c->ca_pem || fl_pki_crl_check_info(c->ca_pem, c->ca_len, pem, strlen(pem),
						&info, NULL) != 0)
		return 0;
	return info.next_update_ms;
}

/* Loads the stored CRL. One that no longer verifies (CA changed) still
 * revokes what it lists: revocation only ever takes access away. */
static int crl_load(coord_certs *c, coord_store *st)
{
	char why[FL_ERRMSG_BYTES] = "", *pem = NULL;
	fl_crl_info info;
	uint64_t number = 0;
	int r;

	if ((r = coord_store_crl_latest(st, &number, &pem)) != 0 || !pem)
		return r;
	memset(&info, 0, sizeof(info));
	if (c->ca_pem && fl_pki_crl_check_info(c->ca_pem, c->ca_len, pem, strlen(pem),
					       &info, why) != 0)
		fl_warn("the stored CRL %llu does not check against the CA: %s; "
			"its revocations stay in force until a new one is published",
			(unsigned long long)number, why);
	if ((r = crl_install(c, pem, number, info.next_update_ms)) != 0)
		fl_error("cannot read the stored CRL %llu: %s",
			 (unsigned long long)number, fl_strerror(r));
	free(pem);
	return r;
}

int coord_certs_new(coord_store *st, const char *ca_pem, size_t ca_len,
		    coord_certs **out)
{
	coord_certs *c;
	int r;

	if (!st || !out)
		return FL_E_INVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return FL_E_NOMEM;
	pthread_mutex_init(&c->mu, NULL);
	if (ca_pem && ca_len) {
		if ((c->ca_pem = malloc(ca_len + 1)) == NULL) {
			r = FL_E_NOMEM;
			goto out;
		}
		memcpy(c->ca_pem, ca_pem, ca_len);
		c->ca_pem[ca_len] = '\0';
		c->ca_len = ca_len;
	}
	if ((r = crl_load(c, st)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	coord_certs_free(c);
	return r;
}

void coord_certs_free(coord_certs *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->seen);
	free(c->revoked);
	free(c->ca_pem);
	free(c);
}

int coord_certs_revoked(coord_certs *c, const char *serial, uint64_t *number)
{
	int hit;

	if (!c || !serial || !serial[0])
		return 0;
	pthread_mutex_lock(&c->mu);
	hit = c->nrevoked && bsearch(serial, c->revoked, c->nrevoked,
				     sizeof(*c->revoked), serial_cmp) != NULL;
	if (number)
		*number = c->crl_number;
	pthread_mutex_unlock(&c->mu);
	return hit;
}

/* Adds fp to the set; 1 if it was new, 0 if known, <0 on error. */
static int seen_add(coord_certs *c, const char *fp)
{
	char (*grown)[65];
	size_t cap;

	for (size_t i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], fp) == 0)
			return 0;
	if (c->nseen == c->capseen) {
		cap = c->capseen ? 2 * c->capseen : 64;
		if ((grown = realloc(c->seen, cap * sizeof(*grown))) == NULL)
			return FL_E_NOMEM;
		c->seen = grown;
		c->capseen = cap;
	}
	memcpy(c->seen[c->nseen++], fp, 65);
	return 1;
}

static void note(coord_certs *c, coord_store *st, const char *site,
		 const char *fp, const char *serial, int64_t not_after_ms,
		 int64_t now_ms)
{
	int fresh;

	pthread_mutex_lock(&c->mu);
	fresh = seen_add(c, fp);
	pthread_mutex_unlock(&c->mu);
	if (fresh == 1 &&
	    coord_store_cert_seen(st, site, fp, serial, not_after_ms, now_ms) != 0)
		fl_warn("cannot record the certificate %.16s... of site '%s'", fp, site);
}

void coord_certs_note(coord_certs *c, coord_store *st, const coord_caller *who,
		      int64_t now_ms)
{
	if (!c || !st || !who || who->fingerprint[0] == '\0')
		return;
	note(c, st, who->cn, who->fingerprint, who->serial, who->not_after_ms, now_ms);
}

void coord_certs_note_pem(coord_certs *c, coord_store *st, const char *site,
			  const char *cert_pem, int64_t now_ms)
{
	fl_cert_info info;

	if (!c || !st || !site || !cert_pem ||
	    fl_pki_cert_info(cert_pem, strlen(cert_pem), &info) != 0)
		return;
	note(c, st, site, info.fingerprint, info.serial, info.not_after_ms, now_ms);
}

uint64_t coord_certs_crl_number(coord_certs *c)
{
	uint64_t n;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	n = c->crl_number;
	pthread_mutex_unlock(&c->mu);
	return n;
}

int coord_certs_publish_crl(coord_certs *c, coord_store *st, struct coord_ca *ca,
			    int64_t now_ms, uint64_t *number, size_t *nserials)
{
	char (*serials)[66] = NULL;
	const char **list = NULL;
	char *pem = NULL;
	size_t n = 0, len = 0, total = 0;
	uint64_t num;
	int r;

	if (!c || !st || !number)
		return FL_E_INVAL;
	if (!ca)
		return FL_E_STATE;
	if ((r = coord_store_revoked_serials(st, &serials, &n)) != 0)
		return r;
	/* One publisher at a time: numbers only go up. */
	pthread_mutex_lock(&c->mu);
	/* The new CRL keeps what the current one revokes (operators, or
	 * certificates revoked offline and published with PublishCrl). */
	if ((list = calloc(n + c->nrevoked + 1, sizeof(*list))) == NULL) {
		pthread_mutex_unlock(&c->mu);
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		list[i] = serials[i];
	for (size_t i = 0; i < c->nrevoked; i++) {
		size_t j;

		for (j = 0; j < n && strcasecmp(serials[j], c->revoked[i]) != 0; j++)
			;
		if (j == n)
			list[total++] = c->revoked[i];
	}
	total += n;
	num = c->crl_number + 1;
	if ((r = coord_ca_crl(ca, list, total, num, &pem, &len)) == 0 &&
	    (r = coord_store_crl_put(st, num, pem, now_ms)) == 0)
		r = crl_install(c, pem, num, crl_next_update(c, pem));
	pthread_mutex_unlock(&c->mu);
	if (r == 0) {
		*number = num;
		if (nserials)
			*nserials = total;
	}
out:
	free(pem);
	free(list);
	free(serials);
	return r;
}

int coord_certs_crl_get(coord_certs *c, coord_store *st, uint64_t *number,
			char **pem)
{
	(void)c;
	return coord_store_crl_latest(st, number, pem);
}

/* "2026-12-06T03:00:00Z" */
static const char *crl_fmt_time(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "%lld ms", (long long)ms);
	return buf;
}

int coord_certs_publish_pem(coord_certs *c, coord_store *st, const char *pem,
			    int64_t now_ms, fl_crl_info *out, char *errmsg)
{
	char why[FL_ERRMSG_BYTES] = "", when[32];
	fl_crl_info info;
	size_t len;
	int r;

	if (!c || !st || !pem)
		return FL_E_INVAL;
	if (!c->ca_pem) {
		fl_errmsg_set(errmsg, "the coordinator has no CA bundle to check "
			      "the CRL against");
		return FL_E_STATE;
	}
	len = strlen(pem);
	if ((r = fl_pki_crl_check_info(c->ca_pem, c->ca_len, pem, len, &info,
				       why)) != 0) {
		fl_errmsg_set(errmsg, "CRL refused: %s", why[0] ? why : fl_strerror(r));
		return r;
	}
	if (info.number == 0) {
		fl_errmsg_set(errmsg, "CRL refused: it has no CRL number (make it "
			      "with 'fedctl ca revoke')");
		return FL_E_INVAL;
	}
	if (info.next_update_ms != 0 && info.next_update_ms <= now_ms) {
		fl_errmsg_set(errmsg, "CRL %llu refused: it expired at %s; re-sign it "
			      "with 'fedctl ca revoke' (no argument)",
			      (unsigned long long)info.number,
			      crl_fmt_time(info.next_update_ms, when, sizeof(when)));
		return FL_E_STALE;
	}
	pthread_mutex_lock(&c->mu);
	if (info.number <= c->crl_number) {
		fl_errmsg_set(errmsg, "CRL %llu refused: the coordinator holds CRL "
			      "%llu; only a higher number replaces it (make one with "
			      "'fedctl ca revoke --number %llu')",
			      (unsigned long long)info.number,
			      (unsigned long long)c->crl_number,
			      (unsigned long long)c->crl_number + 1);
		r = FL_E_REPLAY;
	} else if ((r = coord_store_crl_put(st, info.number, pem, now_ms)) != 0) {
		fl_errmsg_set(errmsg, "cannot store CRL %llu: %s",
			      (unsigned long long)info.number, fl_strerror(r));
	} else if ((r = crl_install(c, pem, info.number, info.next_update_ms)) != 0) {
		fl_errmsg_set(errmsg, "cannot read the serials of CRL %llu: %s",
			      (unsigned long long)info.number, fl_strerror(r));
	}
	pthread_mutex_unlock(&c->mu);
	if (r == 0 && out)
		*out = info;
	return r;
}

void coord_certs_crl_warn(coord_certs *c, int64_t now_ms)
{
	char when[32];
	int64_t next;
	uint64_t number;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	next = c->crl_next_update_ms;
	number = c->crl_number;
	if (next == 0 || now_ms < next - COORD_CRL_WARN_BEFORE_MS ||
	    (c->crl_warned_ms && now_ms - c->crl_warned_ms < COORD_CRL_WARN_EVERY_MS)) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	c->crl_warned_ms = now_ms;
	pthread_mutex_unlock(&c->mu);
	crl_fmt_time(next, when, sizeof(when));
	if (now_ms >= next)
		fl_warn("CRL %llu expired at %s: agents refuse every round until a "
			"fresh CRL is published (R10); re-sign it with 'fedctl ca "
			"revoke' and run 'fedctl crl publish'%s",
			(unsigned long long)number, when,
			" (with the CA online, 'fedctl site revoke' also makes one)");
	else
		fl_warn("CRL %llu expires at %s (within a day): publish a fresh one "
			"('fedctl ca revoke', then 'fedctl crl publish'), or agents "
			"refuse rounds from then on (R10)", (unsigned long long)number,
			when);
}

void coord_certs_crl_maintain(coord_certs *c, coord_store *st, struct coord_ca *ca,
			      int64_t now_ms)
{
	uint64_t number = 0;
	size_t n = 0;
	int due, r;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	due = ca && st && c->crl_number && c->crl_next_update_ms &&
		now_ms >= c->crl_next_update_ms - COORD_CRL_REFRESH_BEFORE_MS &&
		now_ms - c->crl_refresh_ms >= COORD_CRL_WARN_EVERY_MS;
	if (due)
		c->crl_refresh_ms = now_ms;
	pthread_mutex_unlock(&c->mu);
	if (due) {
		if ((r = coord_certs_publish_crl(c, st, ca, now_ms, &number, &n)) == 0)
			fl_info("CRL re-signed by the online CA before its next update: "
				"CRL %llu (%zu serials)", (unsigned long long)number, n);
		else
			fl_warn("cannot re-sign the CRL with the online CA: %s",
				fl_strerror(r));
	}
	coord_certs_crl_warn(c, now_ms);
}

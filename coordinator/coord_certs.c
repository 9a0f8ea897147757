/* SPDX-License-Identifier: Apache-2.0 */
/* coord_certs: certificates seen per site, and the published CRLs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "coord_ca.h"
#include "coord_certs.h"
#include "fl_err.h"
#include "fl_log.h"
#include "fl_pki.h"

struct coord_certs {
	pthread_mutex_t mu;
	char (*seen)[65];          /* fingerprints recorded by this process */
	size_t nseen, capseen;
	uint64_t crl_number;
};

int coord_certs_new(coord_store *st, coord_certs **out)
{
	coord_certs *c;
	int r;

	if (!st || !out)
		return FL_E_INVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return FL_E_NOMEM;
	if ((r = coord_store_crl_latest(st, &c->crl_number, NULL)) != 0) {
		free(c);
		return r;
	}
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return 0;
}

void coord_certs_free(coord_certs *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->seen);
	free(c);
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
	size_t n = 0, len = 0;
	uint64_t num;
	int r;

	if (!c || !st || !number)
		return FL_E_INVAL;
	if (!ca)
		return FL_E_STATE;
	if ((r = coord_store_revoked_serials(st, &serials, &n)) != 0)
		return r;
	if (n && (list = calloc(n, sizeof(*list))) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		list[i] = serials[i];
	/* One publisher at a time: numbers only go up. */
	pthread_mutex_lock(&c->mu);
	num = c->crl_number + 1;
	if ((r = coord_ca_crl(ca, list, n, num, &pem, &len)) == 0 &&
	    (r = coord_store_crl_put(st, num, pem, now_ms)) == 0)
		c->crl_number = num;
	pthread_mutex_unlock(&c->mu);
	if (r == 0) {
		*number = num;
		if (nserials)
			*nserials = n;
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

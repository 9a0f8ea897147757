/* SPDX-License-Identifier: Apache-2.0 */
/* fl_secagg_client_peers: which adverts of a key list a client accepts
 * (SECAGG.md R1 members, R2 one context), organisation counts (R4), and
 * the lookup of a neighbour by id. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_pki.h"
#include "fl_secagg_client_int.h"

client_peer *fl_secagg_client_peer(fl_secagg_client *c, uint32_t id)
{
	size_t lo = 0, hi = c->k;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->peers[mid].id == id)
			return &c->peers[mid];
		if (c->peers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int fl_secagg_client_refuse(fl_secagg_client *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return err;
}

uint32_t fl_secagg_client_orgs(const fl_secagg_client *c, const uint32_t *ids,
			       uint32_t count)
{
	const char *own = c->sites[c->id].org;
	uint32_t n = 0;

	for (uint32_t i = 0; i < count; i++) {
		const char *o = c->sites[ids[i]].org;
		bool seen = false;

		if (!o || (own && strcmp(o, own) == 0))
			continue;
		for (uint32_t j = 0; j < i && !seen; j++) {
			const char *p = c->sites[ids[j]].org;

			seen = p && strcmp(p, o) == 0;
		}
		n += !seen;
	}
	return n;
}

int fl_secagg_member_facts(const fl_secagg_trust *tr, uint32_t id,
			   const fl_cert_facts *f)
{
	const fl_member *m;

	if (f->info_err != 0)
		return FL_E_PARSE;
	if (strcmp(f->info.role, FL_ROLE_SITE) != 0 ||
	    strcmp(f->info.cn, tr->names[id - 1]) != 0 ||
	    !(m = fl_members_find(tr->members, f->info.cn)) ||
	    f->pkhash_err != 0 ||
	    sodium_memcmp(f->pkhash, m->pkhash, FL_PKHASH_BYTES) != 0)
		return FL_E_MEMBER;
	return 0;
}

int fl_secagg_member_check(const fl_secagg_trust *tr, uint32_t id,
			   const char *pem, size_t len)
{
	fl_cert_facts f;

	if (fl_cert_facts_read(pem, len, &f) != 0)
		return FL_E_PARSE;
	return fl_secagg_member_facts(tr, id, &f);
}

/* One advert: sizes, round attempt, certificate chain and CRL, signature
 * over our context digest (R2), then membership (R1). The verifier parses
 * and chain-checks a certificate once in its lifetime and keeps what it
 * says (fl_cert_facts); the signature and the member list are checked
 * every time. *cert gets the certificate's handle. */
static int advert_check(const fl_secagg_client *c, const fl_secagg_advert *a,
			size_t *cert)
{
	uint8_t msg[FL_SECAGG_ADVERT_MSG_BYTES];
	fl_cert_facts f;
	int r;

	if (!fl_secagg_hdr_eq(&a->hdr, &c->p))
		return FL_E_ROUND;
	if (a->sig_len == 0 || a->sig_len > FL_SIG_MAX_BYTES || !a->cert_pem ||
	    a->cert_len == 0)
		return FL_E_PARSE;
	fl_secagg_advert_msg(a, c->p.ctx, msg);
	if ((r = fl_verifier_cert(c->ver, a->cert_pem, a->cert_len, cert, &f)) != 0 ||
	    (r = fl_verifier_check_cert(c->ver, *cert, msg, sizeof(msg), a->sig,
					a->sig_len)) != 0)
		return r;
	return fl_secagg_member_facts(&c->trust, a->client, &f);
}

typedef struct pk_ref {
	const uint8_t *pk;
	uint32_t id;
} pk_ref;

static int pk_cmp(const void *a, const void *b)
{
	return memcmp(((const pk_ref *)a)->pk, ((const pk_ref *)b)->pk,
		      FL_KX_PUBLIC_BYTES);
}

/* Marks dup[id] for every advert whose c_pk or s_pk appears twice in the
 * list (in one advert or two). FL_E_NOMEM. */
static int mark_repeated_keys(const fl_secagg_client *c,
			      const fl_secagg_advert **idx, uint8_t *dup)
{
	pk_ref *v;
	uint32_t m = 0;

	if (!(v = malloc(2 * ((size_t)c->p.n + 1) * sizeof(*v))))
		return FL_E_NOMEM;
	for (uint32_t id = 1; id <= c->p.n; id++)
		if (idx[id]) {
			v[m++] = (pk_ref){ idx[id]->c_pk, id };
			v[m++] = (pk_ref){ idx[id]->s_pk, id };
		}
	if (m > 1)
		qsort(v, m, sizeof(*v), pk_cmp);
	for (uint32_t i = 1; i < m; i++)
		if (memcmp(v[i - 1].pk, v[i].pk, FL_KX_PUBLIC_BYTES) == 0)
			dup[v[i - 1].id] = dup[v[i].id] = 1;
	free(v);
	return 0;
}

int fl_secagg_client_check_adverts(fl_secagg_client *c,
				   const fl_secagg_advert **idx, uint32_t *nok)
{
	uint8_t *dup;
	uint32_t good = 0;
	int r;

	if (!(dup = calloc((size_t)c->p.n + 1, 1)))
		return FL_E_NOMEM;
	if ((r = mark_repeated_keys(c, idx, dup)) != 0)
		goto out;
	c->refused = 0;
	for (uint32_t id = 1; id <= c->p.n; id++) {
		client_site *st = &c->sites[id];
		const fl_secagg_advert *a = idx[id];
		client_peer *pe = fl_secagg_client_peer(c, id);

		if (id == c->id)
			continue;
		st->listed = a != NULL;
		st->status = 0;
		st->has_cert = false;
		if (pe)
			pe->verified = false;
		if (!a)
			continue;   /* dropped before advertising */
		st->status = dup[id] ? FL_E_REPLAY : advert_check(c, a, &st->cert);
		if (st->status != 0) {
			c->refused++;
			continue;
		}
		st->has_cert = true;
		if (!pe)
			continue;
		memcpy(pe->c_pk, a->c_pk, FL_KX_PUBLIC_BYTES);
		memcpy(pe->s_pk, a->s_pk, FL_KX_PUBLIC_BYTES);
		pe->verified = true;
		good++;
	}
	*nok = good;
out:
	free(dup);
	return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* test_secagg_oom: fails the Nth allocation of the secure-aggregation server
 * for N = 1, 2, ... until a whole round runs clean, and checks every path.
 *
 * The test is linked with -Wl,--wrap= for malloc, calloc, realloc, free,
 * sodium_malloc, sodium_free, EVP_CIPHER_CTX_new and EVP_CIPHER_CTX_free:
 * every such call made by fl_crypto (a static library) or by this file goes
 * through the __wrap_ functions below. Allocations are counted, and the Nth
 * one fails, only while inj_on is set, i.e. inside a fl_secagg_server_* call;
 * a pointer allocated then stays tracked until it is freed (by the server or
 * by a *_clear of a message the server returned), wherever that happens.
 *
 * What is asserted, for every N that hits an allocation of the server:
 *  - the server call during which the allocation failed returns FL_E_NOMEM
 *    (never 0, never a crash);
 *  - the server can continue: the call is retried once with the same input,
 *    must then succeed, and the round must end with exactly the plain sum of
 *    the survivors' inputs, with the same survivor and dropped lists as a
 *    run without failures. The one exception is fl_secagg_server_finish,
 *    which by contract aborts the attempt on any error: there the retry must
 *    return FL_E_STATE (a clean error for the round; the coordinator then
 *    starts a new attempt);
 *  - after fl_secagg_server_free and the clearing of every message the
 *    server returned, no tracked allocation is live (and ASan/LSan finds no
 *    leak in the sanitizer build).
 * The rounds have dropouts in every phase (advert, share, input, unmask), so
 * the dropped-client recovery paths run, with the phase-4 consistency check
 * that clients always require. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_secagg.h"
#include "fl_test.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

/* ---- allocation wrappers ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__real_sodium_malloc(size_t n);
void __real_sodium_free(void *p);
EVP_CIPHER_CTX *__real_EVP_CIPHER_CTX_new(void);
void __real_EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *c);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t sz);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_sodium_malloc(size_t n);
void __wrap_sodium_free(void *p);
EVP_CIPHER_CTX *__wrap_EVP_CIPHER_CTX_new(void);
void __wrap_EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *c);

#define MAX_LIVE 4096
#define MAX_SITES 256

static int inj_on;             /* inside a server call */
static unsigned long inj_at;   /* fail the inj_at-th counted allocation (0: never) */
static unsigned long inj_count;
static int inj_hit;            /* the failure was injected in this run */
static const void *live[MAX_LIVE];
static size_t nlive;
static const void *sites[MAX_SITES];   /* distinct call sites that failed */
static size_t nsites;

static void site_note(const void *ra)
{
	for (size_t i = 0; i < nsites; i++)
		if (sites[i] == ra)
			return;
	if (nsites < MAX_SITES)
		sites[nsites++] = ra;
}

/* True if this allocation must fail. */
static int inj_fail(const void *ra)
{
	if (!inj_on)
		return 0;
	if (++inj_count != inj_at)
		return 0;
	inj_hit = 1;
	site_note(ra);
	return 1;
}

static void live_add(const void *p)
{
	if (!p || !inj_on)
		return;
	if (nlive == MAX_LIVE) {
		fprintf(stderr, "test_secagg_oom: MAX_LIVE too small\n");
		abort();
	}
	live[nlive++] = p;
}

static void live_del(const void *p)
{
	for (size_t i = 0; p && i < nlive; i++) {
		if (live[i] == p) {
			live[i] = live[--nlive];
			return;
		}
	}
}

void *__wrap_malloc(size_t n)
{
	void *p;

	if (inj_fail(__builtin_return_address(0)))
		return NULL;
	p = __real_malloc(n);
	live_add(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t sz)
{
	void *p;

	if (inj_fail(__builtin_return_address(0)))
		return NULL;
	p = __real_calloc(n, sz);
	live_add(p);
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q;
	int tracked = 0;

	if (inj_fail(__builtin_return_address(0)))
		return NULL;
	for (size_t i = 0; p && i < nlive; i++)
		tracked |= live[i] == p;
	if ((q = __real_realloc(p, n)) == NULL)
		return NULL;
	if (tracked) {
		live_del(p);
		live[nlive++] = q;   /* still tracked, wherever it moved */
	} else {
		live_add(q);
	}
	return q;
}

void __wrap_free(void *p)
{
	live_del(p);
	__real_free(p);
}

void *__wrap_sodium_malloc(size_t n)
{
	void *p;

	if (inj_fail(__builtin_return_address(0)))
		return NULL;
	p = __real_sodium_malloc(n);
	live_add(p);
	return p;
}

void __wrap_sodium_free(void *p)
{
	live_del(p);
	__real_sodium_free(p);
}

EVP_CIPHER_CTX *__wrap_EVP_CIPHER_CTX_new(void)
{
	EVP_CIPHER_CTX *c;

	if (inj_fail(__builtin_return_address(0)))
		return NULL;
	c = __real_EVP_CIPHER_CTX_new();
	live_add(c);
	return c;
}

void __wrap_EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *c)
{
	live_del(c);
	__real_EVP_CIPHER_CTX_free(c);
}

/* ---- a round driven through the server, with one retry ---- */

#define N_CLIENTS 10
#define M_WORDS 300

enum drop { STAY, DROP_ADVERT, DROP_SHARE, DROP_INPUT, DROP_UNMASK };

typedef struct pki {
	fl_test_ca ca;
	fl_test_site site[N_CLIENTS + 1];
	fl_sign_key *key[N_CLIENTS + 1];
	fl_verifier *ver;
	fl_test_trust tr;
} pki;

typedef struct run {
	int hit_rc;            /* what the failing call returned */
	int retry_rc;          /* what its retry returned */
	const char *hit_call;  /* which server call it was */
	int rc;                /* 0 if the round completed */
	int sum_ok;
	uint32_t nsurv, ndrop;
} run;

static run cur;

/* Calls a server function with injection on; if the injected failure hit
 * inside it, records that and retries the call once. */
#define SV(dst, call) do { \
	int r_; \
	int before_ = inj_hit; \
	inj_on = 1; r_ = (call); inj_on = 0; \
	if (inj_hit && !before_) { \
		cur.hit_rc = r_; cur.hit_call = #call; \
		inj_on = 1; r_ = (call); inj_on = 0; \
		cur.retry_rc = r_; \
	} \
	(dst) = r_; \
} while (0)

static uint32_t input_word(uint32_t id, uint64_t i)
{
	return (uint32_t)(id * 2654435761u) ^ (uint32_t)(i * 40503u + 7u);
}

static int phase_keys(fl_secagg_server *s, fl_secagg_client **c,
		      const int *drop, int *alive)
{
	fl_secagg_keylist kl = { 0 };
	int r;

	for (uint32_t i = 1; i <= N_CLIENTS; i++) {
		fl_secagg_advert a = { 0 };

		if (drop[i] == DROP_ADVERT)
			continue;
		if (fl_secagg_client_advertise(c[i], &a) != 0)
			return FL_E_CRYPTO;
		SV(r, fl_secagg_server_add_advert(s, &a));
		fl_secagg_advert_clear(&a);
		if (r != 0)
			return r;
		alive[i] = 1;
	}
	SV(r, fl_secagg_server_keylist(s, &kl));
	if (r != 0)
		return r;
	for (uint32_t i = 1; i <= N_CLIENTS && r == 0; i++) {
		fl_secagg_shares sh = { 0 };

		if (!alive[i] || drop[i] == DROP_SHARE) {
			alive[i] = 0;
			continue;
		}
		if ((r = fl_secagg_client_share(c[i], &kl, &sh)) == 0)
			SV(r, fl_secagg_server_add_shares(s, &sh));
		fl_secagg_shares_clear(&sh);
	}
	fl_secagg_keylist_clear(&kl);
	if (r != 0)
		return r;
	SV(r, fl_secagg_server_close_shares(s));
	return r;
}

static int phase_input(fl_secagg_server *s, fl_secagg_client **c,
		       const int *drop, int *alive, uint32_t *sum)
{
	uint32_t x[M_WORDS], y[M_WORDS];
	int r = 0;

	for (uint32_t i = 1; i <= N_CLIENTS && r == 0; i++) {
		fl_secagg_shares in = { 0 };

		if (!alive[i])
			continue;
		SV(r, fl_secagg_server_shares_for(s, i, &in));
		if (r == 0)
			r = fl_secagg_client_recv_shares(c[i], &in);
		fl_secagg_shares_clear(&in);
		if (r != 0 || drop[i] == DROP_INPUT) {
			alive[i] = 0;
			continue;
		}
		for (uint64_t w = 0; w < M_WORDS; w++)
			x[w] = input_word(i, w);
		for (uint64_t off = 0; off < M_WORDS && r == 0; off += 100) {
			if ((r = fl_secagg_client_mask_chunk(c[i], off, x + off,
							     y + off, 100)) == 0)
				SV(r, fl_secagg_server_add_chunk(s, i, off, y + off, 100));
		}
		for (uint64_t w = 0; w < M_WORDS; w++)
			sum[w] += x[w];
	}
	return r;
}

static int phase_unmask(fl_secagg_server *s, fl_secagg_client **c,
			const fl_secagg_params *p, const int *drop,
			const int *alive, uint32_t *out)
{
	fl_secagg_unmask_req req = { 0 }, req2 = { 0 };
	int r;

	SV(r, fl_secagg_server_close_input(s, &req));
	if (r != 0)
		goto out;
	cur.nsurv = req.nsurvivors;
	cur.ndrop = req.ndropped;
	for (uint32_t i = 1; p->consistency && i <= N_CLIENTS && r == 0; i++) {
		fl_secagg_csig cs;

		/* DROP_UNMASK signs, then never answers the unmask request */
		if (!alive[i])
			continue;
		if ((r = fl_secagg_client_consistency(c[i], &req, &cs)) == 0)
			SV(r, fl_secagg_server_add_consistency(s, &cs));
	}
	if (r == 0 && p->consistency)
		SV(r, fl_secagg_server_close_consistency(s, &req2));
	for (uint32_t i = 1; i <= N_CLIENTS && r == 0; i++) {
		fl_secagg_unmask_resp rs = { 0 };

		if (!alive[i] || drop[i] == DROP_UNMASK)
			continue;
		r = fl_secagg_client_unmask(c[i], p->consistency ? &req2 : &req, &rs);
		if (r == 0)
			SV(r, fl_secagg_server_add_unmask(s, &rs));
		fl_secagg_unmask_resp_clear(&rs);
	}
	if (r == 0)
		SV(r, fl_secagg_server_finish(s, out));
out:
	fl_secagg_unmask_req_clear(&req);
	fl_secagg_unmask_req_clear(&req2);
	return r;
}

/* One round with the Nth server allocation failing (0: none). */
static run round_once(const fl_secagg_params *p, pki *k, const int *drop,
		      unsigned long n)
{
	fl_secagg_server *s = NULL;
	fl_secagg_client *c[N_CLIENTS + 1] = { 0 };
	int alive[N_CLIENTS + 1] = { 0 };
	static uint32_t sum[M_WORDS], out[M_WORDS];
	int r;

	memset(&cur, 0, sizeof(cur));
	memset(sum, 0, sizeof(sum));
	memset(out, 0, sizeof(out));
	inj_at = n;
	inj_count = 0;
	inj_hit = 0;
	nlive = 0;
	SV(r, fl_secagg_server_new(p, &s));
	if (r != 0)
		goto out;
	for (uint32_t i = 1; i <= N_CLIENTS && r == 0; i++)
		r = fl_secagg_client_new(p, i, k->key[i], k->ver, k->site[i].cert_pem,
					 k->site[i].cert_len, &k->tr.trust, &c[i], NULL);
	if (r == 0)
		r = phase_keys(s, c, drop, alive);
	if (r == 0)
		r = phase_input(s, c, drop, alive, sum);
	if (r == 0)
		r = phase_unmask(s, c, p, drop, alive, out);
	cur.sum_ok = r == 0 && memcmp(sum, out, sizeof(sum)) == 0;
out:
	cur.rc = r;
	for (uint32_t i = 1; i <= N_CLIENTS; i++)
		fl_secagg_client_free(c[i]);
	fl_secagg_server_free(s);
	return cur;
}

/* Runs N = 0, 1, 2, ... until a run hits no injected failure. */
static void oom_sweep(const fl_secagg_params *p, pki *k, const int *drop)
{
	run base = round_once(p, k, drop, 0);
	unsigned long n, total, continued = 0, aborted = 0;

	total = inj_count;
	FL_CHECK_EQ_INT(base.rc, 0);
	FL_CHECK(base.sum_ok);
	FL_CHECK(base.ndrop >= 1);   /* the recovery path runs */
	FL_CHECK_EQ_INT(nlive, 0);
	FL_CHECK(total > 10);
	for (n = 1;; n++) {
		run r = round_once(p, k, drop, n);

		if (!inj_hit)
			break;
		if (r.hit_rc != FL_E_NOMEM)
			fprintf(stderr, "N=%lu: %s returned %d (%s) on an allocation "
				"failure\n", n, r.hit_call, r.hit_rc, fl_strerror(r.hit_rc));
		FL_CHECK_EQ_INT(r.hit_rc, FL_E_NOMEM);
		if (strstr(r.hit_call, "fl_secagg_server_finish") == r.hit_call) {
			/* finish aborts the attempt on any error: clean error */
			FL_CHECK_EQ_INT(r.retry_rc, FL_E_STATE);
			FL_CHECK_EQ_INT(r.rc, FL_E_STATE);
			FL_CHECK(!r.sum_ok);
			aborted++;
		} else {
			/* the server state was unchanged: it continues */
			if (r.rc != 0 || !r.sum_ok)
				fprintf(stderr, "N=%lu: after a failure in %s the "
					"round ended with %d (%s), sum %s\n", n,
					r.hit_call, r.rc, fl_strerror(r.rc),
					r.sum_ok ? "ok" : "wrong");
			FL_CHECK_EQ_INT(r.retry_rc, 0);
			FL_CHECK_EQ_INT(r.rc, 0);
			FL_CHECK(r.sum_ok);
			FL_CHECK_EQ_INT(r.nsurv, base.nsurv);
			FL_CHECK_EQ_INT(r.ndrop, base.ndrop);
			continued++;
		}
		if (nlive != 0)
			fprintf(stderr, "N=%lu (%s): %zu allocations leaked\n", n,
				r.hit_call, nlive);
		FL_CHECK_EQ_INT(nlive, 0);
	}
	/* every allocation of the clean run was failed once */
	FL_CHECK_EQ_INT(n - 1, total);
	printf("n=%u t=%u consistency=%d: %lu server allocations per round, "
	       "%lu failures injected: %lu continued after a retry, %lu aborted "
	       "the attempt cleanly; %zu distinct allocation sites so far\n",
	       p->n, p->t, p->consistency, total, n - 1, continued, aborted,
	       nsites);
}

static int pki_init(pki *k)
{
	memset(k, 0, sizeof(*k));
	if (fl_test_ca_new("fedc oom CA", &k->ca) != 0 ||
	    fl_verifier_new(k->ca.pem, k->ca.pem_len, NULL, 0, &k->ver) != 0)
		return -1;
	for (uint32_t i = 1; i <= N_CLIENTS; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "site-%u", i);
		if (fl_test_site_new(&k->ca, cn, 100 + i, 0, &k->site[i]) != 0 ||
		    fl_sign_key_load_pem(k->site[i].key_pem, k->site[i].key_len,
					 &k->key[i]) != 0)
			return -1;
	}
	return fl_test_trust_init(&k->tr, &k->site[1], N_CLIENTS, 2, 0);
}

static void pki_free(pki *k)
{
	for (uint32_t i = 1; i <= N_CLIENTS; i++) {
		fl_sign_key_free(k->key[i]);
		fl_test_site_free(&k->site[i]);
	}
	fl_verifier_free(k->ver);
	fl_test_ca_free(&k->ca);
	fl_test_trust_free(&k->tr);
}

static fl_secagg_params params(uint32_t t, int consistency)
{
	fl_secagg_params p;

	memset(&p, 0, sizeof(p));
	p.job_id = 7;
	p.round = 2;
	p.attempt = 1;
	p.n = N_CLIENTS;
	p.k = N_CLIENTS - 1;
	p.t = t;
	p.m = M_WORDS;
	p.consistency = consistency != 0;
	randombytes_buf(p.round_seed, sizeof(p.round_seed));
	randombytes_buf(p.ctx, sizeof(p.ctx));
	return p;
}

int main(void)
{
	static pki k;
	int drop[N_CLIENTS + 1] = { 0 };
	fl_secagg_params p;

	if (sodium_init() < 0 || pki_init(&k) != 0) {
		fprintf(stderr, "test_secagg_oom: setup failed\n");
		return 1;
	}
	/* 10 clients, t = 7 (> 2(k + 1) / 3: the consistency check is always
	 * on): 2 never advertises, 4 shares but never uploads (its s_sk is
	 * recovered), 5 uploads and signs the survivor list but never
	 * answers the unmask request; 7 answers remain. */
	drop[2] = DROP_ADVERT;
	drop[4] = DROP_INPUT;
	drop[5] = DROP_UNMASK;
	p = params(7, 1);
	oom_sweep(&p, &k, drop);
	/* 2 never advertises, 3 never shares, 4 never uploads */
	drop[3] = DROP_SHARE;
	drop[5] = STAY;
	oom_sweep(&p, &k, drop);
	printf("%zu distinct allocation sites of the server exercised\n", nsites);
	FL_CHECK(nsites >= 8);
	pki_free(&k);
	return FL_TEST_DONE();
}

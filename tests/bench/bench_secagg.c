/* SPDX-License-Identifier: Apache-2.0 */
/* fedc-bench secagg: a whole SecAgg(+) round, N clients + server, one thread. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "bench.h"
#include "fl_err.h"
#include "fl_prg.h"
#include "fl_quant.h"
#include "fl_secagg.h"
#include "fl_secagg_choose.h"
#include "fl_test_pki.h"
#include "fl_test_trust.h"

#define CHUNK_WORDS (64u * 1024u)

typedef struct opts {
	uint32_t n, k, t, reps;
	uint32_t honest, colluders;   /* every site's policy: T and c */
	uint64_t m;
	double dropout;
	int autok;                    /* --auto: k and t from fl_secagg_choose */
	double abort_log2;            /* the abort bound of the k and t used */
} opts;

typedef struct party {
	fl_test_ca ca;
	fl_test_site *site;
	fl_sign_key **key;
	fl_verifier **ver;     /* one per client, as on real sites */
	fl_test_trust *tr;     /* the member list and the sites' policy */
} party;

/* The client's phases, timed apart (CPU time of the bench thread). */
enum { PH_ADV, PH_SHARE, PH_MASK, PH_CONS, PH_UNMASK, PH_N };
static const char *const ph_name[PH_N] = {
	"advertise", "share", "mask", "consistency", "unmask"
};

typedef struct rep_out {
	double server_ms;
	double *client_ms;     /* n + 1, NaN for dropped */
	double *cpu_ms;        /* n + 1: CPU time of the same calls */
	double (*ph_ms)[PH_N]; /* n + 1: cpu_ms by phase */
	double *quant_ms;      /* n + 1: quantising the input (not in client_ms) */
	uint64_t upload_bytes; /* of one surviving client */
	int ok;
} rep_out;

void bench_secagg_help(void)
{
	printf("\nfedc-bench secagg [--clients N] [--length M] [--neighbours K]\n"
	       "    [--threshold T] [--dropout D] [--reps R] [--honest H]\n"
	       "    [--colluders C] [--auto]\n"
	       "  N clients (ids 1..N) with K neighbours (K = N-1: full SecAgg),\n"
	       "  threshold T per neighbourhood (default: the smallest that the\n"
	       "  sites' rules accept), M-word vectors, a fraction D of the clients\n"
	       "  dropping after sharing keys; every site's policy demands H honest\n"
	       "  sites (default 3) against C colluders (default 1), and every\n"
	       "  round runs the signed survivor list (phase 4). Prints client_ms\n"
	       "  (median per client over all client phases, wall clock), its CPU\n"
	       "  time client_cpu_ms, cold (first rep: empty certificate caches)\n"
	       "  and warm (later reps), the mean CPU ms of each client phase and\n"
	       "  its share, server_ms (median per round), keystream_gbps,\n"
	       "  mask_gbps, the primitives' cost (one sign, verify, X25519) and\n"
	       "  floor_ms, the client's cost if it only ran the primitives the\n"
	       "  rules need: (k + 1) m-word keystreams, n - 1 advert and q\n"
	       "  survivor-list verifies, 3k + 2 X25519, two signs; ok is the\n"
	       "  exact sum.\n"
	       "  --auto chooses K and T as the coordinator does (fl_secagg_choose):\n"
	       "  the smallest K whose abort probability at dropout D is at most\n"
	       "  2^-20 (or, out of reach, close to the least), with --threshold as\n"
	       "  a floor on T. abort_log2 is that bound (log2) for the K and T\n"
	       "  used, -1e9 for a zero probability.\n");
}

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static fl_secagg_sizing sizing(const opts *o)
{
	return (fl_secagg_sizing){ .n = o->n, .dropout = o->dropout,
		.min_honest = o->honest, .colluders = o->colluders, .min_t = o->t };
}

/* --auto: k and t from the coordinator's chooser (--threshold a floor). */
static int choose_auto(opts *o)
{
	fl_secagg_sizing z = sizing(o);
	fl_secagg_choice ch;
	int r;

	if (o->k != 0) {
		fprintf(stderr, "secagg: --auto chooses --neighbours; give one of them\n");
		return -1;
	}
	if ((r = fl_secagg_choose(&z, FL_SECAGG_ABORT_TARGET_LOG2, &ch)) != 0) {
		fprintf(stderr, "secagg: no k and t for n=%u under T=%u, c=%u: %s\n",
			o->n, o->honest, o->colluders, fl_strerror(r));
		return -1;
	}
	o->k = ch.k;
	o->t = ch.t;
	fprintf(stderr, "secagg: --auto: k=%u t=%u, abort probability <= 2^%.2f%s\n",
		ch.k, ch.t, ch.abort_log2, ch.met ? "" : " (2^-20 is out of reach)");
	return 0;
}

static int parse(int argc, char **argv, opts *o)
{
	o->n = 10;
	o->k = 0;
	o->t = 0;
	o->m = 100000;
	o->dropout = 0;
	o->reps = 3;
	o->honest = 3;
	o->colluders = 1;
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0) {
			bench_secagg_help();
			exit(0);
		}
		if (strcmp(a, "--auto") == 0) {   /* takes no value */
			o->autok = 1;
			i--;
			continue;
		}
		if (!v) {
			fprintf(stderr, "secagg: %s needs a value\n", a);
			return -1;
		}
		if (strcmp(a, "--clients") == 0)
			o->n = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--length") == 0)
			o->m = strtoull(v, NULL, 10);
		else if (strcmp(a, "--neighbours") == 0)
			o->k = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--threshold") == 0)
			o->t = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--dropout") == 0)
			o->dropout = strtod(v, NULL);
		else if (strcmp(a, "--reps") == 0)
			o->reps = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--honest") == 0)
			o->honest = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--colluders") == 0)
			o->colluders = (uint32_t)strtoul(v, NULL, 10);
		else {
			fprintf(stderr, "secagg: unknown option %s\n", a);
			return -1;
		}
	}
	if (o->reps == 0 || !(o->dropout >= 0 && o->dropout < 1))
		return -1;
	if (o->autok)
		return choose_auto(o);
	if (o->k == 0)
		o->k = o->n - 1;
	if (o->t == 0) {
		/* 2t > k + 1 + c (R5), and for SecAgg+ t >= T + c (R3) */
		o->t = (o->k + 1 + o->colluders) / 2 + 1;
		if (o->k < o->n - 1 && o->t < o->honest + o->colluders)
			o->t = o->honest + o->colluders;
	}
	return 0;
}

static int party_new(party *pt, const opts *o)
{
	uint32_t n = o->n;

	memset(pt, 0, sizeof(*pt));
	if (fl_test_ca_new("fedc bench CA", &pt->ca) != 0 ||
	    !(pt->site = calloc(n + 1, sizeof(*pt->site))) ||
	    !(pt->key = calloc(n + 1, sizeof(*pt->key))) ||
	    !(pt->ver = calloc(n + 1, sizeof(*pt->ver))))
		return -1;
	for (uint32_t i = 1; i <= n; i++) {
		char cn[32];

		snprintf(cn, sizeof(cn), "site-%u", i);
		if (fl_test_site_new(&pt->ca, cn, 1000 + i, 0, &pt->site[i]) != 0 ||
		    fl_sign_key_load_pem(pt->site[i].key_pem, pt->site[i].key_len,
					 &pt->key[i]) != 0 ||
		    fl_verifier_new(pt->ca.pem, pt->ca.pem_len, NULL, 0, &pt->ver[i]) != 0)
			return -1;
	}
	if (!(pt->tr = malloc(sizeof(*pt->tr))) ||
	    fl_test_trust_init(pt->tr, &pt->site[1], n, o->honest, o->colluders) != 0)
		return -1;
	return 0;
}

static void party_free(party *pt, uint32_t n)
{
	for (uint32_t i = 1; pt->site && i <= n; i++) {
		fl_test_site_free(&pt->site[i]);
		fl_sign_key_free(pt->key[i]);
		fl_verifier_free(pt->ver[i]);
	}
	free(pt->site);
	free(pt->key);
	free(pt->ver);
	if (pt->tr)
		fl_test_trust_free(pt->tr);
	free(pt->tr);
	fl_test_ca_free(&pt->ca);
}

/* Time one call into an accumulator. */
static int64_t timed_t0;
static int timed_r;
#define TIMED(acc, call) (timed_t0 = bench_now_ns(), timed_r = (call), \
	(acc) += bench_now_ns() - timed_t0, timed_r)
/* A client call of phase ph: wall time to cns[i], CPU time to cph[i][ph]. */
static int64_t timed_c0;
#define CTIMED(rc, i, ph, call) (timed_t0 = bench_now_ns(), \
	timed_c0 = bench_cpu_ns(), timed_r = (call), \
	(rc)->cph[i][ph] += bench_cpu_ns() - timed_c0, \
	(rc)->cns[i] += bench_now_ns() - timed_t0, timed_r)

typedef struct round_ctx {
	const opts *o;
	party *pt;
	fl_secagg_params p;
	fl_secagg_server *s;
	fl_secagg_client **c;
	int64_t *cns, sns;
	int64_t (*cph)[PH_N];  /* n + 1: CPU ns by phase */
	int64_t *qns;          /* n + 1: CPU ns quantising */
	uint8_t *drop;
	uint32_t *sum, *out, *x, *y;
	double *xd;
	uint64_t up_bytes;
} round_ctx;

static int round_keys(round_ctx *rc)
{
	fl_secagg_keylist kl = { 0 };
	int r = 0;

	for (uint32_t i = 1; i <= rc->p.n && r == 0; i++) {
		fl_secagg_advert a = { 0 };

		if ((r = CTIMED(rc, i, PH_ADV, fl_secagg_client_advertise(rc->c[i], &a))) == 0)
			r = TIMED(rc->sns, fl_secagg_server_add_advert(rc->s, &a));
		if (i == 1)
			rc->up_bytes += sizeof(a) + a.cert_len;
		fl_secagg_advert_clear(&a);
	}
	if (r != 0 || (r = TIMED(rc->sns, fl_secagg_server_keylist(rc->s, &kl))) != 0)
		return r;
	for (uint32_t i = 1; i <= rc->p.n && r == 0; i++) {
		fl_secagg_shares sh = { 0 };

		if ((r = CTIMED(rc, i, PH_SHARE, fl_secagg_client_share(rc->c[i], &kl, &sh))) == 0)
			r = TIMED(rc->sns, fl_secagg_server_add_shares(rc->s, &sh));
		if (i == 1)
			rc->up_bytes += sh.count * sizeof(fl_secagg_enc_share);
		fl_secagg_shares_clear(&sh);
	}
	fl_secagg_keylist_clear(&kl);
	if (r == 0)
		r = TIMED(rc->sns, fl_secagg_server_close_shares(rc->s));
	return r;
}

/* One client's masked upload, streamed in chunks. */
static int round_upload(round_ctx *rc, uint32_t i, uint64_t *rng)
{
	fl_quant_params qp = { 1.0, 16 };
	fl_secagg_shares in = { 0 };
	int64_t q0;
	int r;

	if ((r = TIMED(rc->sns, fl_secagg_server_shares_for(rc->s, i, &in))) == 0)
		r = CTIMED(rc, i, PH_MASK, fl_secagg_client_recv_shares(rc->c[i], &in));
	fl_secagg_shares_clear(&in);
	for (uint64_t off = 0; off < rc->p.m && r == 0; off += CHUNK_WORDS) {
		size_t cnt = rc->p.m - off < CHUNK_WORDS ? rc->p.m - off : CHUNK_WORDS;

		for (size_t w = 0; w < cnt; w++)
			rc->xd[w] = (double)(mix(rng) >> 11) * 0x1p-52 - 1.0;
		q0 = bench_cpu_ns();
		r = fl_quant_encode(&qp, rc->xd, cnt, NULL, rc->x);
		rc->qns[i] += bench_cpu_ns() - q0;
		if (r != 0)
			break;
		for (size_t w = 0; w < cnt; w++)
			rc->sum[off + w] += rc->x[w];
		if ((r = CTIMED(rc, i, PH_MASK, fl_secagg_client_mask_chunk(rc->c[i],
				off, rc->x, rc->y, cnt))) == 0)
			r = TIMED(rc->sns, fl_secagg_server_add_chunk(rc->s, i, off, rc->y, cnt));
	}
	if (i == 1 || rc->up_bytes < rc->p.m * 4)
		rc->up_bytes += rc->p.m * 4;
	return r;
}

/* Phase 4: every survivor signs the survivor list; req2 gets the request
 * with the signatures. */
static int round_sign(round_ctx *rc, const fl_secagg_unmask_req *req,
		      fl_secagg_unmask_req *req2)
{
	int r = 0;

	for (uint32_t i = 1; i <= rc->p.n && r == 0; i++) {
		fl_secagg_csig cs;

		if (rc->drop[i])
			continue;
		if ((r = CTIMED(rc, i, PH_CONS, fl_secagg_client_consistency(rc->c[i],
				req, &cs))) == 0)
			r = TIMED(rc->sns, fl_secagg_server_add_consistency(rc->s, &cs));
		if (r != 0)
			fprintf(stderr, "  client %u: %s\n", i,
				fl_secagg_client_why(rc->c[i]));
	}
	if (r == 0)
		r = TIMED(rc->sns, fl_secagg_server_close_consistency(rc->s, req2));
	return r;
}

static int round_unmask(round_ctx *rc)
{
	fl_secagg_unmask_req req0 = { 0 }, req = { 0 };
	int r;

	if ((r = TIMED(rc->sns, fl_secagg_server_close_input(rc->s, &req0))) != 0)
		return r;
	r = round_sign(rc, &req0, &req);
	fl_secagg_unmask_req_clear(&req0);
	for (uint32_t i = 1; i <= rc->p.n && r == 0; i++) {
		fl_secagg_unmask_resp rs = { 0 };

		if (rc->drop[i])
			continue;
		if ((r = CTIMED(rc, i, PH_UNMASK, fl_secagg_client_unmask(rc->c[i], &req,
				&rs))) == 0)
			r = TIMED(rc->sns, fl_secagg_server_add_unmask(rc->s, &rs));
		if (i == 1)
			rc->up_bytes += rs.count * sizeof(fl_secagg_unmask_entry);
		fl_secagg_unmask_resp_clear(&rs);
	}
	fl_secagg_unmask_req_clear(&req);
	if (r == 0)
		r = TIMED(rc->sns, fl_secagg_server_finish(rc->s, rc->out));
	return r;
}

static int run_rep(const opts *o, party *pt, uint32_t rep, rep_out *ro)
{
	round_ctx rc;
	uint32_t nd = (uint32_t)floor(o->dropout * o->n), picked = 0;
	uint64_t rng = 12345 + rep;
	int r = FL_E_NOMEM;

	memset(&rc, 0, sizeof(rc));
	rc.o = o;
	rc.pt = pt;
	rc.p = (fl_secagg_params){ .job_id = 1, .round = 1, .attempt = rep + 1,
		.n = o->n, .t = o->t, .k = o->k, .m = o->m, .consistency = true };
	/* the same graphs and dropouts in every run, so that runs compare */
	{
		uint8_t key[randombytes_SEEDBYTES] = { 'f', 'e', 'd', 'c' };

		key[8] = (uint8_t)rep;
		key[9] = (uint8_t)(rep >> 8);
		randombytes_buf_deterministic(rc.p.round_seed, sizeof(rc.p.round_seed),
					      key);
	}
	randombytes_buf(rc.p.ctx, sizeof(rc.p.ctx));
	if (!(rc.c = calloc(o->n + 1, sizeof(*rc.c))) ||
	    !(rc.cns = calloc(o->n + 1, sizeof(*rc.cns))) ||
	    !(rc.cph = calloc(o->n + 1, sizeof(*rc.cph))) ||
	    !(rc.qns = calloc(o->n + 1, sizeof(*rc.qns))) ||
	    !(rc.drop = calloc(o->n + 1, 1)) ||
	    !(rc.sum = calloc(o->m, 4)) || !(rc.out = calloc(o->m, 4)) ||
	    !(rc.x = malloc(CHUNK_WORDS * 4)) || !(rc.y = malloc(CHUNK_WORDS * 4)) ||
	    !(rc.xd = malloc(CHUNK_WORDS * sizeof(double))))
		goto out;
	while (picked < nd) {   /* client 1 stays, to report its upload size */
		uint32_t id = 2 + (uint32_t)(mix(&rng) % (o->n - 1));

		if (!rc.drop[id]) {
			rc.drop[id] = 1;
			picked++;
		}
	}
	if ((r = TIMED(rc.sns, fl_secagg_server_new(&rc.p, &rc.s))) != 0)
		goto out;
	for (uint32_t i = 1; i <= o->n; i++)
		if ((r = CTIMED(&rc, i, PH_ADV, fl_secagg_client_new(&rc.p, i, pt->key[i],
				pt->ver[i], pt->site[i].cert_pem, pt->site[i].cert_len,
				&pt->tr->trust, &rc.c[i], NULL))) != 0)
			goto out;
	if ((r = round_keys(&rc)) != 0)
		goto out;
	fprintf(stderr, "  rep %u: keys shared, %u clients drop now\n", rep + 1, nd);
	for (uint32_t i = 1; i <= o->n; i++)
		if (!rc.drop[i] && (r = round_upload(&rc, i, &rng)) != 0)
			goto out;
	if ((r = round_unmask(&rc)) != 0)
		goto out;
	ro->ok = memcmp(rc.out, rc.sum, o->m * 4) == 0;
	ro->server_ms = (double)rc.sns / 1e6;
	for (uint32_t i = 1; i <= o->n; i++) {
		int64_t cpu = 0;

		for (int ph = 0; ph < PH_N; ph++) {
			ro->ph_ms[i][ph] = (double)rc.cph[i][ph] / 1e6;
			cpu += rc.cph[i][ph];
		}
		ro->client_ms[i] = rc.drop[i] ? NAN : (double)rc.cns[i] / 1e6;
		ro->cpu_ms[i] = rc.drop[i] ? NAN : (double)cpu / 1e6;
		ro->quant_ms[i] = (double)rc.qns[i] / 1e6;
	}
	ro->upload_bytes = rc.up_bytes;
out:
	if (r != 0)
		fprintf(stderr, "  rep %u failed: %s\n", rep + 1, fl_strerror(r));
	for (uint32_t i = 1; rc.c && i <= o->n; i++)
		fl_secagg_client_free(rc.c[i]);
	fl_secagg_server_free(rc.s);
	free(rc.c);
	free(rc.cns);
	free(rc.cph);
	free(rc.qns);
	free(rc.drop);
	free(rc.sum);
	free(rc.out);
	free(rc.x);
	free(rc.y);
	free(rc.xd);
	return r;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), cmp_d);
	return n == 0 ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Raw AES-CTR keystream and the fused expander over the same m words. */
static void measure_prg(uint64_t m, double *ks_gbps, double *mask_gbps)
{
	uint64_t words = m < (1u << 20) ? (1u << 20) : m;
	uint32_t *buf = calloc(words, 4);
	uint8_t seed[FL_SEED_BYTES];
	int64_t best_ks = INT64_MAX, best_mask = INT64_MAX;

	randombytes_buf(seed, sizeof(seed));
	for (int i = 0; buf && i < 7; i++) {
		int64_t t0 = bench_now_ns(), t1, t2;

		fl_prg_keystream(seed, (uint8_t *)buf, words * 4);
		t1 = bench_now_ns();
		fl_prg_expand_add(seed, buf, words, 1);
		t2 = bench_now_ns();
		if (t1 - t0 < best_ks)
			best_ks = t1 - t0;
		if (t2 - t1 < best_mask)
			best_mask = t2 - t1;
	}
	*ks_gbps = buf ? (double)words * 4 / (double)best_ks : 0;
	*mask_gbps = buf ? (double)words * 4 / (double)best_mask : 0;
	free(buf);
}

/* Per-client figures of the surviving clients over the reps; the first
 * rep runs with empty certificate caches (cold), the others warm. */
typedef struct stats {
	double *wall, *cpu, *cold, *warm;   /* n * reps each */
	size_t nwall, ncold, nwarm;
	double ph[2][PH_N];                 /* CPU ms by phase: cold, warm */
	size_t nph[2];
	double quant;
	size_t nquant;
} stats;

static int stats_new(stats *st, size_t cap)
{
	memset(st, 0, sizeof(*st));
	return (st->wall = calloc(cap, sizeof(double))) &&
	       (st->cpu = calloc(cap, sizeof(double))) &&
	       (st->cold = calloc(cap, sizeof(double))) &&
	       (st->warm = calloc(cap, sizeof(double))) ? 0 : -1;
}

static void stats_free(stats *st)
{
	free(st->wall);
	free(st->cpu);
	free(st->cold);
	free(st->warm);
}

static void stats_add(stats *st, const rep_out *ro, uint32_t n, int warm)
{
	for (uint32_t i = 1; i <= n; i++) {
		if (isnan(ro->client_ms[i]))
			continue;
		st->wall[st->nwall] = ro->client_ms[i];
		st->cpu[st->nwall++] = ro->cpu_ms[i];
		if (warm)
			st->warm[st->nwarm++] = ro->cpu_ms[i];
		else
			st->cold[st->ncold++] = ro->cpu_ms[i];
		for (int ph = 0; ph < PH_N; ph++)
			st->ph[warm][ph] += ro->ph_ms[i][ph];
		st->nph[warm]++;
		st->quant += ro->quant_ms[i];
		st->nquant++;
	}
}

/* Mean CPU ms of phase ph per client: warm reps if any ran, else cold. */
static double stats_ph(const stats *st, int ph, int warm)
{
	if (warm && st->nph[1] == 0)
		warm = 0;
	return st->nph[warm] ? st->ph[warm][ph] / (double)st->nph[warm] : 0;
}

static void phases_json(const stats *st, int warm, int share)
{
	double tot = 0;

	for (int ph = 0; ph < PH_N; ph++)
		tot += stats_ph(st, ph, warm);
	printf("{");
	for (int ph = 0; ph < PH_N; ph++)
		printf("%s\"%s\":%.3f", ph ? "," : "", ph_name[ph],
		       share ? (tot > 0 ? stats_ph(st, ph, warm) / tot : 0) :
		       stats_ph(st, ph, warm));
	printf("}");
}

/* What the client cannot go below with these primitives (see the help). */
static double floor_ms(const opts *o, const bench_prims *pr, double ks_gbps)
{
	double mask = ks_gbps > 0 ? (double)(o->k + 1) * (double)o->m * 4 / ks_gbps / 1e6 : 0;
	double verifies = (double)(o->n - 1) + fl_secagg_quorum(o->n, o->colluders);

	return mask + (verifies * pr->raw_verify_us + (3.0 * o->k + 2) * pr->kx_us +
		       2 * pr->sign_us) / 1e3;
}

static void report(const opts *o, const stats *st, const bench_prims *pr,
		   double ks, double mk, double *sms, uint32_t done, uint64_t up,
		   uint32_t aborted, int ok)
{
	double cpu = st->nwall ? median(st->cpu, st->nwall) : -1.0;
	double warm = st->nwarm ? median(st->warm, st->nwarm) : -1.0;
	double fl = floor_ms(o, pr, ks);
	double best = warm > 0 ? warm : cpu;

	fprintf(stderr, "secagg: client CPU ms per phase (mean per surviving client, "
		"%s):", st->nph[1] ? "warm reps" : "cold rep");
	for (int ph = 0; ph < PH_N; ph++)
		fprintf(stderr, " %s %.3f", ph_name[ph], stats_ph(st, ph, 1));
	fprintf(stderr, "\nsecagg: cold rep:");
	for (int ph = 0; ph < PH_N; ph++)
		fprintf(stderr, " %s %.3f", ph_name[ph], stats_ph(st, ph, 0));
	fprintf(stderr, "\nsecagg: client CPU ms median %.3f (cold %.3f, warm %.3f); "
		"quantising %.3f ms (not in client_ms)\n", cpu,
		st->ncold ? median(st->cold, st->ncold) : -1.0, warm,
		st->nquant ? st->quant / (double)st->nquant : 0);
	fprintf(stderr, "secagg: primitives (CPU us): sign %.1f, verify %.1f "
		"(OpenSSL raw %.1f, first with chain %.1f), certificate parse %.1f, "
		"X25519+HKDF %.1f\n", pr->sign_us, pr->verify_us, pr->raw_verify_us,
		pr->first_check_us, pr->cert_parse_us, pr->kx_us);
	fprintf(stderr, "secagg: floor %.3f ms (%u-word keystreams x%u, %u verifies, "
		"%u X25519, 2 signs); client CPU %.2fx the floor\n", fl,
		(unsigned)o->m, o->k + 1, o->n - 1 + fl_secagg_quorum(o->n, o->colluders),
		3 * o->k + 2, fl > 0 ? best / fl : 0);
	printf("{\"bench\":\"secagg\",\"clients\":%u,\"length\":%llu,\"neighbours\":%u,"
	       "\"threshold\":%u,\"abort_log2\":%.2f,\"dropout\":%.3f,\"reps\":%u,"
	       "\"client_ms\":%.3f,"
	       "\"client_cpu_ms\":%.3f,\"client_ms_cold\":%.3f,\"client_ms_warm\":%.3f,"
	       "\"phase_ms\":", o->n, (unsigned long long)o->m, o->k, o->t,
	       isinf(o->abort_log2) ? -1e9 : o->abort_log2, o->dropout,
	       o->reps, st->nwall ? median(st->wall, st->nwall) : -1.0, cpu,
	       st->ncold ? median(st->cold, st->ncold) : -1.0, warm);
	phases_json(st, 1, 0);
	printf(",\"phase_share\":");
	phases_json(st, 1, 1);
	printf(",\"phase_ms_cold\":");
	phases_json(st, 0, 0);
	printf(",\"quant_ms\":%.3f,\"sign_us\":%.1f,\"verify_us\":%.1f,"
	       "\"raw_verify_us\":%.1f,\"first_check_us\":%.1f,\"cert_parse_us\":%.1f,"
	       "\"kx_us\":%.1f,\"floor_ms\":%.3f,\"floor_ratio\":%.2f,",
	       st->nquant ? st->quant / (double)st->nquant : 0, pr->sign_us,
	       pr->verify_us, pr->raw_verify_us, pr->first_check_us,
	       pr->cert_parse_us, pr->kx_us, fl, fl > 0 ? best / fl : 0);
	printf("\"server_ms\":%.3f,\"keystream_gbps\":%.3f,\"mask_gbps\":%.3f,"
	       "\"mask_ratio\":%.3f,\"upload_bytes\":%llu,\"float32_bytes\":%llu,"
	       "\"upload_ratio\":%.4f,\"aborted_reps\":%u,\"ok\":%s}\n",
	       done ? median(sms, done) : -1.0, ks, mk,
	       ks > 0 ? mk / ks : 0, (unsigned long long)up,
	       (unsigned long long)(o->m * 4), (double)up / (double)(o->m * 4),
	       aborted, ok && done ? "true" : "false");
}

int bench_secagg(int argc, char **argv)
{
	opts o;
	party pt;
	rep_out ro;
	stats st;
	bench_prims pr;
	fl_secagg_params chk;
	double *sms = NULL, ks = 0, mk = 0;
	uint64_t up = 0;
	uint32_t done = 0, aborted = 0;
	int ok = 1, rc = 1, r;

	memset(&st, 0, sizeof(st));
	if (parse(argc, argv, &o) != 0) {
		bench_secagg_help();
		return 2;
	}
	chk = (fl_secagg_params){ .n = o.n, .t = o.t, .k = o.k, .m = o.m,
		.consistency = true };
	if (sodium_init() < 0 || fl_secagg_params_check(&chk) != 0) {
		fprintf(stderr, "secagg: bad parameters (need 2t > k+1, t <= k < n, "
			"k*n even)\n");
		return 2;
	}
	{
		char why[FL_ERRMSG_BYTES];

		if (fl_secagg_params_safe(&chk, o.honest, o.colluders, why) != 0) {
			fprintf(stderr, "secagg: the sites would refuse these parameters: "
				"%s\n", why);
			return 2;
		}
	}
	{
		fl_secagg_sizing z = sizing(&o);

		o.abort_log2 = fl_secagg_abort_log2(&z, o.k, o.t);
	}
	memset(&ro, 0, sizeof(ro));
	fprintf(stderr, "secagg: n=%u k=%u t=%u m=%llu dropout=%.3f reps=%u "
		"honest=%u colluders=%u\n", o.n, o.k, o.t, (unsigned long long)o.m,
		o.dropout, o.reps, o.honest, o.colluders);
	if (party_new(&pt, &o) != 0 || stats_new(&st, (size_t)o.n * o.reps) != 0 ||
	    !(sms = calloc(o.reps, sizeof(double))) ||
	    !(ro.client_ms = calloc(o.n + 1, sizeof(double))) ||
	    !(ro.cpu_ms = calloc(o.n + 1, sizeof(double))) ||
	    !(ro.quant_ms = calloc(o.n + 1, sizeof(double))) ||
	    !(ro.ph_ms = calloc(o.n + 1, sizeof(*ro.ph_ms)))) {
		fprintf(stderr, "secagg: setup failed\n");
		goto out;
	}
	fprintf(stderr, "secagg: %u site certificates (ECDSA P-256) made\n", o.n);
	measure_prg(o.m, &ks, &mk);
	fprintf(stderr, "secagg: keystream %.2f GB/s, fused mask %.2f GB/s\n", ks, mk);
	if (bench_prims_measure(pt.ca.pem, pt.ca.pem_len, pt.site[1].cert_pem,
				pt.site[1].cert_len, pt.key[1], &pr) != 0) {
		fprintf(stderr, "secagg: cannot measure the primitives\n");
		goto out;
	}
	for (uint32_t rep = 0; rep < o.reps; rep++) {
		if ((r = run_rep(&o, &pt, rep, &ro)) == FL_E_THRESHOLD ||
		    r == FL_E_PAIRING || r == FL_E_SURVIVORS) {
			aborted++;   /* too many dropped neighbours: a real abort */
			continue;
		}
		if (r != 0) {
			ok = 0;
			break;
		}
		ok &= ro.ok;
		sms[done++] = ro.server_ms;
		up = ro.upload_bytes;
		stats_add(&st, &ro, o.n, rep > 0);
		fprintf(stderr, "  rep %u: server %.1f ms, sum %s\n", rep + 1,
			ro.server_ms, ro.ok ? "exact" : "WRONG");
	}
	report(&o, &st, &pr, ks, mk, sms, done, up, aborted, ok);
	rc = ok && done ? 0 : 1;
out:
	party_free(&pt, o.n);
	stats_free(&st);
	free(sms);
	free(ro.client_ms);
	free(ro.cpu_ms);
	free(ro.quant_ms);
	free(ro.ph_ms);
	return rc;
}

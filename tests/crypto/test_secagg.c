/* SPDX-License-Identifier: Apache-2.0 */
/* The six SECAGG.md invariants on whole rounds run in one process. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "fl_err.h"
#include "fl_secagg.h"
#include "fl_test.h"
#include "secagg_sim.h"

static sim_pki pki;

static fl_secagg_params params(uint32_t n, uint32_t k, uint32_t t, uint64_t m)
{
	fl_secagg_params p;

	memset(&p, 0, sizeof(p));
	p.job_id = 42;
	p.round = 3;
	p.attempt = 1;
	p.n = n;
	p.k = k;
	p.t = t;
	p.m = m;
	p.consistency = true;
	randombytes_buf(p.round_seed, sizeof(p.round_seed));
	randombytes_buf(p.ctx, sizeof(p.ctx));
	return p;
}

/* Greedy: the largest drop set (in id order) that leaves every client at
 * least t non-dropped neighbours. */
static uint32_t max_drops(const fl_secagg_params *p, int *drop, int kind)
{
	fl_secagg_graph *g = NULL;
	uint32_t nd = 0;

	FL_CHECK_EQ_INT(fl_secagg_graph_new(p->n, p->k, p->round_seed, &g), 0);
	for (uint32_t c = 1; c <= p->n && g; c++) {
		int ok = 1;

		drop[c] = kind;
		for (uint32_t u = 1; u <= p->n && ok; u++) {
			uint32_t live = 0;

			for (uint32_t v = 1; v <= p->n; v++)
				if (fl_secagg_graph_edge(g, u, v) && !drop[v])
					live++;
			ok = live >= p->t;
		}
		if (ok)
			nd++;
		else
			drop[c] = SIM_STAY;
	}
	fl_secagg_graph_free(g);
	return nd;
}

static void check_ok(const fl_secagg_params *p, const int *drop, uint32_t want_surv)
{
	sim_result r = sim_run(p, &pki, drop, 99);

	FL_CHECK_EQ_INT(r.rc, 0);
	FL_CHECK_EQ_INT(r.phase, 0);
	FL_CHECK(r.sum_ok);
	FL_CHECK(r.never_both);
	if (want_surv)
		FL_CHECK_EQ_INT(r.nsurvivors, want_surv);
}

/* Invariants 1 and 2: exact sums with 0, 1 and the most dropouts, in each
 * phase; the server only ever holds one kind of share per client. */
static void test_sum(uint32_t n, uint32_t k, uint32_t t)
{
	static const int phases[] = { SIM_DROP_ADVERT, SIM_DROP_SHARE,
		SIM_DROP_INPUT, SIM_DROP_UNMASK };
	fl_secagg_params p = params(n, k, t, 1001);
	int drop[SIM_MAX + 1];
	uint32_t nd;

	memset(drop, 0, sizeof(drop));
	check_ok(&p, drop, n);
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		memset(drop, 0, sizeof(drop));
		drop[2] = phases[i];
		check_ok(&p, drop, phases[i] == SIM_DROP_UNMASK ? n : n - 1);
		memset(drop, 0, sizeof(drop));
		nd = max_drops(&p, drop, phases[i]);
		FL_CHECK(nd >= 1);
		check_ok(&p, drop, phases[i] == SIM_DROP_UNMASK ? n : n - nd);
	}
	/* a mix: one client drops in each phase */
	memset(drop, 0, sizeof(drop));
	nd = max_drops(&p, drop, SIM_DROP_INPUT);
	for (uint32_t i = 1, j = 0; i <= n; i++)
		if (drop[i])
			drop[i] = phases[j++ % 4];
	check_ok(&p, drop, 0);
}

/* A survivor that uploads but never signs the survivor list: its
 * self-mask can never be removed (holders reveal it only for signers), so
 * the attempt aborts at phase 4 and the server holds no share of anyone. */
static void test_silent_signer(void)
{
	fl_secagg_params p = params(8, 7, 6, 64);
	int drop[SIM_MAX + 1];
	sim_result r;

	memset(drop, 0, sizeof(drop));
	drop[4] = SIM_DROP_SIGN;
	r = sim_run(&p, &pki, drop, 1);
	FL_CHECK_EQ_INT(r.rc, FL_E_SURVIVORS);
	FL_CHECK_EQ_INT(r.phase, 4);
	FL_CHECK(!r.sum_ok);
}

/* Invariant 3: below threshold nothing comes out. */
static void test_threshold(void)
{
	fl_secagg_params p = params(8, 7, 6, 64);
	int drop[SIM_MAX + 1];
	sim_result r;

	memset(drop, 0, sizeof(drop));
	for (int i = 1; i <= 5; i++)
		drop[i] = SIM_DROP_ADVERT;      /* 3 adverts < t */
	r = sim_run(&p, &pki, drop, 1);
	FL_CHECK_EQ_INT(r.rc, FL_E_THRESHOLD);
	FL_CHECK_EQ_INT(r.phase, 2);
	memset(drop, 0, sizeof(drop));
	for (int i = 1; i <= 5; i++)
		drop[i] = SIM_DROP_INPUT;       /* 3 survivors < t */
	r = sim_run(&p, &pki, drop, 1);
	FL_CHECK_EQ_INT(r.rc, FL_E_THRESHOLD);
	FL_CHECK_EQ_INT(r.phase, 3);
	memset(drop, 0, sizeof(drop));
	for (int i = 1; i <= 4; i++)
		drop[i] = SIM_DROP_UNMASK;      /* 4 answer: each b has <= 4 < t shares */
	r = sim_run(&p, &pki, drop, 1);
	FL_CHECK_EQ_INT(r.rc, FL_E_THRESHOLD);
	FL_CHECK_EQ_INT(r.phase, 5);
	FL_CHECK(!r.sum_ok);
	/* a partial upload aborts the attempt */
	memset(drop, 0, sizeof(drop));
	drop[3] = SIM_DROP_PARTIAL;
	r = sim_run(&p, &pki, drop, 1);
	FL_CHECK_EQ_INT(r.rc, FL_E_ABORTED);
	FL_CHECK_EQ_INT(r.phase, 3);
}

int main(void)
{
	if (sodium_init() < 0 || sim_pki_init(&pki, 16) != 0)
		return 1;
	/* the consistency check is always on (SECAGG.md R5) */
	test_sum(10, 9, 7);        /* full SecAgg */
	test_sum(12, 6, 5);        /* SecAgg+ */
	test_sum(11, 6, 5);        /* SecAgg+, n odd */
	test_threshold();
	test_silent_signer();
	sim_pki_free(&pki, 16);
	return FL_TEST_DONE();
}

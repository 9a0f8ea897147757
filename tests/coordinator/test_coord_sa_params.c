/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_sa_params: the k and t that coord_secagg_begin gives an
 * attempt. Without [secagg] neighbours, fl_secagg_choose's k and t at the
 * spec's expected_dropout (SecAgg+ for 200 sites, full SecAgg for the
 * 4-site demos as before); with neighbours, the spec's k, the rules' t and a
 * warning when an attempt would abort often; a threshold only raises t. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "coord_engine_int.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_log.h"
#include "fl_secagg.h"
#include "fl_secagg_choose.h"
#include "fl_test.h"

#define MAXN 200

/* Runs coord_secagg_begin for n sites of policy T = 3, c = 1 and a STATS
 * round of the spec whose [secagg] section is sa; *k, *t get the attempt's
 * values and log what it logged at info level and above. */
static int begin(uint32_t n, const char *sa, uint32_t *k, uint32_t *t,
		 char *log, size_t logcap)
{
	static coord_slot sel[MAXN];
	char text[512], err[FL_ERRMSG_BYTES] = "";
	coord_job j;
	FILE *cap = tmpfile();
	int saved = dup(2), r;
	size_t got = 0;

	memset(&j, 0, sizeof(j));
	memset(sel, 0, sizeof(sel));
	snprintf(text, sizeof(text), "[job]\nname = t\ndataset = d\nmodel = linear\n"
		 "label = y\nfeatures = a, b\ntype = stats\n[secagg]\n%s", sa);
	if (!cap || saved < 0 ||
	    fl_jobspec_parse(text, strlen(text), &j.spec, err) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	j.id = 7;
	j.rs.round = 1;
	j.rs.attempt = 1;
	j.rs.kind = FL_TASK_STATS;
	j.rs.sel = sel;
	j.rs.nsel = n;
	for (uint32_t i = 0; i < n; i++) {
		snprintf(sel[i].name, sizeof(sel[i].name), "site%03u", i + 1);
		sel[i].min_honest = 3;
		sel[i].colluders = 1;
	}
	fflush(stderr);
	dup2(fileno(cap), 2);
	r = coord_secagg_begin(&j, &j.rs, 0, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(cap);
	got = fread(log, 1, logcap - 1, cap);
	log[got] = '\0';
	fclose(cap);
	if (r != 0)
		fprintf(stderr, "begin: %s\n", err);
	*k = j.rs.sp.k;
	*t = j.rs.sp.t;
	coord_secagg_end(&j.rs);
	fl_jobspec_clear(&j.spec);
	return r;
}

static void expect_choice(uint32_t n, double d, uint32_t k, uint32_t t)
{
	fl_secagg_sizing z = { .n = n, .dropout = d, .min_honest = 3,
		.colluders = 1, .min_survivors = n - n / 2 };
	fl_secagg_choice ch;
	fl_secagg_params p = { .n = n, .k = k, .t = t, .m = 1, .consistency = true,
		.q = fl_secagg_quorum(n, 1) };

	FL_CHECK_EQ_INT(fl_secagg_choose(&z, FL_SECAGG_ABORT_TARGET_LOG2, &ch), 0);
	FL_CHECK_EQ_INT(k, ch.k);
	FL_CHECK_EQ_INT(t, ch.t);
	FL_CHECK_EQ_INT(fl_secagg_params_safe(&p, 3, 1, NULL), 0);
}

static void test_chosen(void)
{
	char log[4096];
	uint32_t k = 0, t = 0;

	/* 200 sites at the default expected dropout 0.1: SecAgg+. */
	FL_CHECK_EQ_INT(begin(200, "", &k, &t, log, sizeof(log)), 0);
	expect_choice(200, 0.1, k, t);
	FL_CHECK(k < 100);
	FL_CHECK(strstr(log, "SecAgg+ k=") && strstr(log, "(chosen;"));
	FL_CHECK(!strstr(log, "WARN"));
	printf("200 sites, d=0.1: k=%u t=%u\n", k, t);
	/* At 0.3 no SecAgg+ k meets 2^-20 with 200 sites: full SecAgg. */
	FL_CHECK_EQ_INT(begin(200, "expected_dropout = 0.3\n", &k, &t, log,
			      sizeof(log)), 0);
	expect_choice(200, 0.3, k, t);
	FL_CHECK_EQ_INT(k, 199);
	/* The demos: 4 sites, full SecAgg with t = 3 as before. */
	FL_CHECK_EQ_INT(begin(4, "", &k, &t, log, sizeof(log)), 0);
	FL_CHECK_EQ_INT(k, 3);
	FL_CHECK_EQ_INT(t, 3);
	FL_CHECK(strstr(log, "full SecAgg k=3, t=3") != NULL);
	FL_CHECK(strstr(log, "no k meets") != NULL);
}

static void test_fixed(void)
{
	char log[4096];
	uint32_t k = 0, t = 0;

	/* The k = 40 at 0.3: kept, t from the rules, and a warning. */
	FL_CHECK_EQ_INT(begin(200, "neighbours = 40\nexpected_dropout = 0.3\n",
			      &k, &t, log, sizeof(log)), 0);
	FL_CHECK_EQ_INT(k, 40);
	FL_CHECK_EQ_INT(t, 22);     /* 2t > k + 1 + c */
	FL_CHECK(strstr(log, "WARN") && strstr(log, "aborts with probability up to"));
	FL_CHECK(strstr(log, "would choose k=199") != NULL);
	/* A fixed k that rarely aborts: no warning. */
	FL_CHECK_EQ_INT(begin(200, "neighbours = 100\nexpected_dropout = 0.05\n",
			      &k, &t, log, sizeof(log)), 0);
	FL_CHECK_EQ_INT(k, 100);
	FL_CHECK_EQ_INT(t, 52);
	FL_CHECK(!strstr(log, "WARN"));
	/* A threshold only: k is still chosen, with t at least the threshold. */
	FL_CHECK_EQ_INT(begin(200, "threshold = 40\n", &k, &t, log, sizeof(log)), 0);
	FL_CHECK(t >= 40 && k < 199);
	{
		fl_secagg_sizing z = { .n = 200, .dropout = 0.1, .min_honest = 3,
			.colluders = 1, .min_t = 40, .min_survivors = 100 };
		fl_secagg_choice ch;

		FL_CHECK_EQ_INT(fl_secagg_choose(&z, FL_SECAGG_ABORT_TARGET_LOG2, &ch), 0);
		FL_CHECK(ch.k == k && ch.t == t);
	}
	/* A threshold the rules cannot take is still refused with a reason. */
	FL_CHECK_EQ_INT(begin(4, "threshold = 4\n", &k, &t, log, sizeof(log)),
			FL_E_SPEC);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	fl_log_set_level(FL_LOG_INFO);
	test_chosen();
	test_fixed();
	return FL_TEST_DONE();
}

/* SPDX-License-Identifier: Apache-2.0 */
/* test_coord_servopt: the server optimiser state table (put/get, replace,
 * reopen) and resuming a fedadam job: its state is loaded with the latest
 * model, and a missing state fails the job with a clear reason. */
#include <math.h>
#include <string.h>

#include "coord_engine.h"
#include "coord_store.h"
#include "coord_test_util.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_model.h"
#include "fl_servopt.h"
#include "fl_test.h"

static const char spec_text[] =
	"[job]\nname = adam\ndataset = d\nmodel = logistic\nlabel = y\n"
	"labels = 0, 1\nfeatures = a, b\nrounds = 5\n"
	"[server]\noptimizer = fedadam\nserver_lr = 0.1\n";

static void test_put_get(const char *dir, const char *path)
{
	coord_store *st = NULL;
	uint8_t a[5] = { 1, 2, 3, 4, 5 }, b[3] = { 9, 8, 7 }, *got = NULL;
	size_t len = 0;

	(void)dir;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, NULL), 0);
	if (!st)
		return;
	FL_CHECK_EQ_INT(coord_store_servopt_get(st, 1, 1, &got, &len), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_servopt_put(st, 1, 1, a, sizeof(a)), 0);
	FL_CHECK_EQ_INT(coord_store_servopt_put(st, 1, 2, b, sizeof(b)), 0);
	FL_CHECK_EQ_INT(coord_store_servopt_put(st, 2, 1, b, sizeof(b)), 0);
	FL_CHECK_EQ_INT(coord_store_servopt_get(st, 1, 1, &got, &len), 0);
	FL_CHECK(got && len == sizeof(a) && memcmp(got, a, len) == 0);
	free(got);
	got = NULL;
	/* A retried round overwrites its version's state. */
	FL_CHECK_EQ_INT(coord_store_servopt_put(st, 1, 1, b, sizeof(b)), 0);
	coord_store_close(st);
	st = NULL;
	FL_CHECK_EQ_INT(coord_store_open(path, &st, NULL), 0);
	if (!st)
		return;
	FL_CHECK_EQ_INT(coord_store_servopt_get(st, 1, 1, &got, &len), 0);
	FL_CHECK(got && len == sizeof(b) && memcmp(got, b, len) == 0);
	free(got);
	got = NULL;
	FL_CHECK_EQ_INT(coord_store_servopt_get(st, 1, 3, &got, &len), FL_E_NOTFOUND);
	FL_CHECK_EQ_INT(coord_store_servopt_put(st, 1, 4, NULL, 0), FL_E_INVAL);
	coord_store_close(st);
}

/* Stores a running fedadam job with models v0 and v1 (rounds 0 and 1
 * done); with_state stores the optimiser state of v1. Returns the job id. */
static uint64_t store_job(coord_store *st, fl_servopt **opt_out, int with_state)
{
	fl_msg_job_info info;
	fl_msg_round_info ri;
	fl_jobspec spec;
	fl_model *m = NULL;
	fl_servopt *opt = NULL;
	char err[FL_ERRMSG_BYTES];
	uint8_t *blob = NULL, *sb = NULL;
	size_t len = 0, slen = 0;
	uint64_t id = 0;
	double delta[3] = { 0.5, -0.25, 0.125 };

	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "adam");
	snprintf(info.dataset, sizeof(info.dataset), "d");
	snprintf(info.model, sizeof(info.model), "logistic");
	info.rounds_total = 5;
	FL_CHECK_EQ_INT(fl_jobspec_parse(spec_text, strlen(spec_text), &spec, err), 0);
	FL_CHECK_EQ_INT(coord_store_job_insert(st, &info, spec_text, 10, &id), 0);
	FL_CHECK_EQ_INT(coord_store_job_set_state(st, id, "running", NULL, 11), 0);
	FL_CHECK_EQ_INT(coord_store_job_set_weight(st, id, 100), 0);
	FL_CHECK_EQ_INT(fl_model_new_for_spec(&spec, 2, &m), 0);
	FL_CHECK_EQ_INT(fl_servopt_new(&spec, 3, &opt), 0);
	if (!m || !opt)
		goto out;
	for (uint32_t v = 0; v < 2; v++) {
		memset(&ri, 0, sizeof(ri));
		ri.round = v;
		ri.attempt = 1;
		snprintf(ri.kind, sizeof(ri.kind), "%s", v ? "train" : "stats");
		snprintf(ri.state, sizeof(ri.state), "done");
		ri.train_loss = NAN;
		if (v == 1) {
			FL_CHECK_EQ_INT(fl_servopt_step(opt, m->w, delta), 0);
			FL_CHECK_EQ_INT(fl_servopt_encode(opt, &sb, &slen), 0);
			if (with_state && sb)
				FL_CHECK_EQ_INT(coord_store_servopt_put(st, id, 1, sb, slen), 0);
		}
		m->version = v;
		FL_CHECK_EQ_INT(fl_model_encode(m, &blob, &len), 0);
		FL_CHECK_EQ_INT(coord_store_round_commit(st, id, &ri, blob, len, v, v, NULL,
							 NULL, 20 + v), 0);
		free(blob);
		blob = NULL;
	}
out:
	free(sb);
	fl_model_free(m);
	fl_jobspec_clear(&spec);
	*opt_out = opt;
	return id;
}

static void test_resume(const char *path, int with_state)
{
	coord_store *st = NULL;
	coord_engine *e = NULL;
	coord_engine_opts o;
	fl_msg_job_info info;
	fl_servopt *opt = NULL;
	uint64_t id;

	FL_CHECK_EQ_INT(coord_store_open(path, &st, NULL), 0);
	if (!st)
		return;
	id = store_job(st, &opt, with_state);
	memset(&o, 0, sizeof(o));
	o.offline_after_ms = 5000;
	FL_CHECK_EQ_INT(coord_engine_new(st, &o, &e), 0);
	memset(&info, 0, sizeof(info));
	FL_CHECK_EQ_INT(coord_store_job_get(st, id, &info, NULL), 0);
	if (with_state) {
		FL_CHECK(strcmp(info.state, "running") == 0);
	} else {
		FL_CHECK(strcmp(info.state, "failed") == 0);
		FL_CHECK(strstr(info.error, "server optimiser state") != NULL);
	}
	coord_engine_free(e);
	fl_servopt_free(opt);
	coord_store_close(st);
}

int main(void)
{
	char dir[64], path[128];

	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	test_put_get(dir, path);
	coord_test_db_remove(dir, path);
	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	test_resume(path, 1);
	coord_test_db_remove(dir, path);
	if (coord_test_db_path(dir, sizeof(dir), path, sizeof(path)) != 0)
		return 1;
	test_resume(path, 0);
	coord_test_db_remove(dir, path);
	return FL_TEST_DONE();
}

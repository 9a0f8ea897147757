/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the agent's data loading, cache and update vectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_update.h"

#define BC FL_DATA_DIR "/breast_cancer.csv"

static const char *bc_spec =
	"[job]\nname = t\ndataset = breast_cancer\nmodel = logistic\n"
	"label = label\nlabels = 0, 1\nrounds = 3\n"
	"[train]\nlocal_epochs = 2\nbatch_size = 16\nlr = 0.05\n"
	"[round]\ntest_fraction = 0.25\nseed = 7\n";

static int spec_parse(const char *text, fl_jobspec *spec)
{
	char msg[FL_ERRMSG_BYTES] = "";
	int r = fl_jobspec_parse(text, strlen(text), spec, msg);

	if (r != 0)
		fprintf(stderr, "spec: %s\n", msg);
	return r;
}

static char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/fl_test_agent_XXXXXX");
	if ((fd = mkstemp(path)) < 0)
		return NULL;
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_load_and_split(const fl_jobspec *spec)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_dataset *tr = NULL, *te = NULL;

	FL_CHECK_EQ_INT(fl_agent_data_load(spec, BC, &tr, &te, msg), 0);
	if (!tr || !te)
		return;
	FL_CHECK_EQ_INT(tr->n + te->n, 569);
	FL_CHECK_EQ_INT(tr->d, 30);
	FL_CHECK_EQ_INT(tr->k, 2);
	/* Roughly the asked test fraction. */
	FL_CHECK(te->n > 100 && te->n < 190);
	fl_dataset_free(tr);
	fl_dataset_free(te);
}

static void test_load_errors(const fl_jobspec *spec)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_dataset *tr = NULL, *te = NULL;
	fl_jobspec other;
	char *path;

	FL_CHECK_EQ_INT(fl_agent_data_load(spec, "/nonexistent/x.csv", &tr, &te, msg),
			FL_E_IO);
	FL_CHECK(strstr(msg, "/nonexistent/x.csv") != NULL);
	/* A text cell on line 3 names its line. */
	path = write_tmp("a,b,label\n1,2,0\n3,oops,1\n");
	FL_CHECK(path != NULL);
	memset(msg, 0, sizeof(msg));
	memset(&other, 0, sizeof(other));
	FL_CHECK_EQ_INT(spec_parse("[job]\nname=x\ndataset=d\nmodel=logistic\n"
				   "label=label\nlabels=0,1\n", &other), 0);
	FL_CHECK_EQ_INT(fl_agent_data_load(&other, path, &tr, &te, msg), FL_E_CSV);
	FL_CHECK(strstr(msg, "line 3") != NULL);
	FL_CHECK(tr == NULL && te == NULL);
	unlink(path);
	/* A label outside the spec's labels. */
	path = write_tmp("a,b,label\n1,2,0\n3,4,2\n");
	memset(msg, 0, sizeof(msg));
	FL_CHECK_EQ_INT(fl_agent_data_load(&other, path, &tr, &te, msg), FL_E_CSV);
	FL_CHECK(msg[0] != '\0');
	unlink(path);
	/* The spec's label column is missing. */
	path = write_tmp("a,b,c\n1,2,0\n");
	FL_CHECK(fl_agent_data_load(&other, path, &tr, &te, msg) != 0);
	unlink(path);
	fl_jobspec_clear(&other);
}

static void test_cache(const fl_jobspec *spec)
{
	char msg[FL_ERRMSG_BYTES] = "";
	const fl_dataset *tr1, *te1, *tr2, *te2;
	fl_agent_cache c;
	int fresh = -1;
	uint64_t j;

	fl_agent_cache_init(&c);
	FL_CHECK_EQ_INT(fl_agent_cache_get(&c, 1, spec, BC, &tr1, &te1, &fresh, msg), 0);
	FL_CHECK_EQ_INT(fresh, 1);
	FL_CHECK_EQ_INT(fl_agent_cache_get(&c, 1, spec, BC, &tr2, &te2, &fresh, msg), 0);
	FL_CHECK_EQ_INT(fresh, 0);
	FL_CHECK(tr1 == tr2 && te1 == te2);
	/* A failure is remembered with its message, and not reloaded. */
	FL_CHECK_EQ_INT(fl_agent_cache_get(&c, 2, spec, "/nonexistent.csv", &tr2, &te2,
					   &fresh, msg), FL_E_IO);
	FL_CHECK_EQ_INT(fresh, 1);
	msg[0] = '\0';
	FL_CHECK_EQ_INT(fl_agent_cache_get(&c, 2, spec, "/nonexistent.csv", &tr2, &te2,
					   &fresh, msg), FL_E_IO);
	FL_CHECK_EQ_INT(fresh, 0);
	FL_CHECK(strstr(msg, "nonexistent") != NULL);
	/* Job 1 stays while it is in use; more jobs than slots evict the oldest. */
	for (j = 3; j < 3 + FL_AGENT_CACHE_JOBS; j++)
		FL_CHECK_EQ_INT(fl_agent_cache_get(&c, j, spec, BC, &tr2, &te2, &fresh,
						   msg), 0);
	FL_CHECK_EQ_INT(fl_agent_cache_get(&c, 1, spec, BC, &tr2, &te2, &fresh, msg), 0);
	FL_CHECK_EQ_INT(fresh, 1);
	fl_agent_cache_clear(&c);
}

static fl_model *global_for(const fl_jobspec *spec, const fl_dataset *tr)
{
	fl_model *m = NULL;
	double *stats = calloc(fl_update_stats_len(tr->d), sizeof(double));

	if (fl_model_new_for_spec(spec, tr->d, &m) != 0 ||
	    fl_update_stats_build(tr, stats) != 0 ||
	    fl_update_stats_apply(m, stats) != 0) {
		fl_model_free(m);
		m = NULL;
	}
	free(stats);
	return m;
}

static void test_vectors(const fl_jobspec *spec)
{
	char msg[FL_ERRMSG_BYTES] = "";
	fl_dataset *tr = NULL, *te = NULL;
	fl_agent_train_info info;
	fl_model *g = NULL, *bad = NULL;
	double *v = NULL, *v2 = NULL, sum0 = 0, nz = 0;
	size_t n = 0, n2 = 0, i;
	fl_metrics mt;

	FL_CHECK_EQ_INT(fl_agent_data_load(spec, BC, &tr, &te, msg), 0);
	if (!tr)
		return;
	/* STATS: [n, sum x, sum x^2, rows per class (2 labels)]. */
	FL_CHECK_EQ_INT(fl_agent_stats_vec(tr, &v, &n), 0);
	FL_CHECK_EQ_INT(n, 1 + 2 * 30 + 2);
	FL_CHECK_NEAR(v[61] + v[62], (double)tr->n, 0);
	for (i = 0; i < tr->n; i++)
		sum0 += tr->x[i * tr->d];
	FL_CHECK_NEAR(v[0], (double)tr->n, 0);
	FL_CHECK_NEAR(v[1], sum0, 1e-9 * (1 + sum0));
	free(v);
	v = NULL;

	g = global_for(spec, tr);
	FL_CHECK(g != NULL);
	if (!g)
		goto out;
	FL_CHECK_EQ_INT(fl_agent_model_check(spec, g, tr, msg), 0);
	/* TRAIN: deterministic, weighted delta, n_train and test metrics. */
	FL_CHECK_EQ_INT(fl_agent_train_vec(spec, 5, 2, g, tr, te, &v, &n, &info), 0);
	FL_CHECK_EQ_INT(fl_agent_train_vec(spec, 5, 2, g, tr, te, &v2, &n2, NULL), 0);
	FL_CHECK_EQ_INT(n, fl_update_train_len(g));
	FL_CHECK(n == n2 && v && v2 && memcmp(v, v2, n * sizeof(double)) == 0);
	if (v && n == g->nparams + 2 + fl_update_metrics_len(g)) {
		for (i = 0; i < g->nparams; i++)
			nz += v[i] != 0;
		FL_CHECK(nz > 0);
		FL_CHECK_NEAR(v[g->nparams], (double)tr->n, 0);
		FL_CHECK(v[g->nparams + 1] > 0);
		FL_CHECK_NEAR(v[g->nparams + 2], (double)te->n, 0);
		FL_CHECK_NEAR(info.n_train, (double)tr->n, 0);
		FL_CHECK(info.local_loss > 0 && info.local_loss < 1);
	}
	free(v2);
	v2 = NULL;
	/* Another round gives another shuffle, so another update. */
	FL_CHECK_EQ_INT(fl_agent_train_vec(spec, 5, 3, g, tr, te, &v2, &n2, NULL), 0);
	FL_CHECK(v2 && memcmp(v, v2, n * sizeof(double)) != 0);
	free(v);
	v = NULL;
	/* EVAL: the metrics tail of the model on the test split. */
	FL_CHECK_EQ_INT(fl_agent_eval_vec(g, te, &v, &n, &mt), 0);
	FL_CHECK_EQ_INT(n, fl_update_eval_len(g));
	if (v) {
		FL_CHECK_NEAR(v[0], (double)te->n, 0);
		FL_CHECK(v[2] >= 0 && v[2] <= v[0]);
	}
	/* Shape mismatches are refused with a message. */
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LOGISTIC, 29, 1, &bad), 0);
	msg[0] = '\0';
	FL_CHECK_EQ_INT(fl_agent_model_check(spec, bad, tr, msg), FL_E_INVAL);
	FL_CHECK(strstr(msg, "29") != NULL);
	fl_model_free(bad);
	bad = NULL;
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_SOFTMAX, 30, 2, &bad), 0);
	FL_CHECK_EQ_INT(fl_agent_model_check(spec, bad, tr, msg), FL_E_INVAL);
out:
	fl_model_free(bad);
	fl_model_free(g);
	free(v);
	free(v2);
	fl_dataset_free(tr);
	fl_dataset_free(te);
}

/* R8 at the site: the review's example, feature 'x' with a sum of squares
 * of 4.5e12 at two sites. 2 x 4.5e12 > 2^43 would wrap to -8.6e12, so the
 * site refuses to encode it (before: it was encoded and the sum wrapped). */
static void test_stats_wrap(void)
{
	static const char *text = "[job]\nname = w\ndataset = d\nmodel = linear\n"
		"label = y\nfeatures = x\n";
	char msg[FL_ERRMSG_BYTES] = "";
	double x[2] = { 1.5e6, 1.5e6 }, y[2] = { 0, 0 }, *v = NULL;
	fl_dataset tr = { 2, 1, 0, x, y };
	fl_msg_sa_params sa;
	fl_jobspec spec;
	uint32_t *w = NULL;
	size_t n = 0;

	memset(&spec, 0, sizeof(spec));
	FL_CHECK_EQ_INT(spec_parse(text, &spec), 0);
	FL_CHECK_EQ_INT(fl_agent_stats_vec(&tr, &v, &n), 0);
	if (v == NULL)
		goto out;
	FL_CHECK_NEAR(v[2], 4.5e12, 1);
	/* The encoder the upload goes through refuses it for 2 sites... */
	memset(&sa, 0, sizeof(sa));
	sa.n = 2;
	sa.words = 3 * n;
	sa.clip = 1.0;
	sa.bits = 20;
	sa.weight_scale = 1.0;
	FL_CHECK_EQ_INT(fl_agent_sa_encode(&sa, v, n, &w, msg), FL_E_WRAP);
	FL_CHECK(w == NULL);
	FL_CHECK(strstr(msg, "R8") != NULL && strstr(msg, "4.4e+12") != NULL);
	/* ...and the STATS check names the feature and the bound. */
	FL_CHECK_EQ_INT(fl_agent_stats_check(&spec, &tr, v, n, 10, msg), FL_E_WRAP);
	FL_CHECK(strstr(msg, "feature 'x' sum of squares is above the bound "
			"8.8e+11 of a secure sum of 10 sites; rescale the column") != NULL);
	FL_CHECK(strstr(msg, "4.5e+12") == NULL);   /* the site's value stays home */
	FL_CHECK_EQ_INT(fl_agent_stats_check(&spec, &tr, v, n, 2, msg), FL_E_WRAP);
	/* One site alone may send it; the sum of one cannot wrap. */
	FL_CHECK_EQ_INT(fl_agent_stats_check(&spec, &tr, v, n, 1, msg), 0);
	sa.n = 1;
	FL_CHECK_EQ_INT(fl_agent_sa_encode(&sa, v, n, &w, msg), 0);
	free(w);
out:
	free(v);
	fl_jobspec_clear(&spec);
}

int main(void)
{
	fl_jobspec spec;

	memset(&spec, 0, sizeof(spec));
	FL_CHECK_EQ_INT(spec_parse(bc_spec, &spec), 0);
	test_load_and_split(&spec);
	test_load_errors(&spec);
	test_cache(&spec);
	test_vectors(&spec);
	test_stats_wrap();
	fl_jobspec_clear(&spec);
	return FL_TEST_DONE();
}

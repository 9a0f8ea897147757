/* SPDX-License-Identifier: Apache-2.0 */
/* test_jobspec: job spec parsing, defaults, validation errors, round trip. */
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_test.h"
#include "fl_util.h"

static const char *full =
	"; a full spec\n"
	"[job]\n"
	"name = shuttle-7\n"
	"dataset = shuttle\n"
	"model = softmax\n"
	"label = Class\n"
	"labels = Rad.Flow, High ,Bypass,Fpv.Open, Fpv.Close, Bpv.Open, Bpv.Close\n"
	"features = V1, V2, V3\n"
	"rounds = 25\n"
	"min_clients = 3\n"
	"[train]\n"
	"local_epochs = 2\n"
	"batch_size = 64\n"
	"lr = 0.05\n"
	"l2 = 1e-4\n"
	"[round]\n"
	"timeout = 120\n"
	"grace = 5\n"
	"quorum = 2\n"
	"max_attempts = 5\n"
	"test_fraction = 0.3\n"
	"seed = 18446744073709551615\n"
	"[secagg]\n"
	"threshold = 3\n"
	"neighbours = 4\n"
	"clip = 0.5\n"
	"bits = 16\n"
	"dropout = 0.25\n"
	"expected_dropout = 0.05\n"
	"consistency = true\n";

static int parse(const char *s, fl_jobspec *js, char *err)
{
	err[0] = '\0';
	return fl_jobspec_parse(s, strlen(s), js, err);
}

static int same_spec(const fl_jobspec *a, const fl_jobspec *b)
{
	if (strcmp(a->name, b->name) || strcmp(a->dataset, b->dataset) ||
	    strcmp(a->label, b->label) || a->model != b->model ||
	    a->nlabels != b->nlabels || a->nfeatures != b->nfeatures ||
	    a->rounds != b->rounds || a->min_clients != b->min_clients ||
	    a->local_epochs != b->local_epochs || a->batch_size != b->batch_size ||
	    a->lr != b->lr || a->l2 != b->l2 || a->timeout_s != b->timeout_s ||
	    a->grace_s != b->grace_s || a->quorum_margin != b->quorum_margin ||
	    a->max_attempts != b->max_attempts || a->test_fraction != b->test_fraction ||
	    a->seed != b->seed || a->sa_threshold != b->sa_threshold ||
	    a->sa_neighbours != b->sa_neighbours || a->sa_clip != b->sa_clip ||
	    a->sa_bits != b->sa_bits || a->sa_dropout != b->sa_dropout ||
	    a->sa_expected_dropout != b->sa_expected_dropout ||
	    a->sa_consistency != b->sa_consistency ||
	    a->site_figures != b->site_figures)
		return 0;
	for (uint32_t i = 0; i < a->nlabels; i++)
		if (strcmp(a->labels[i], b->labels[i]))
			return 0;
	for (uint32_t i = 0; i < a->nfeatures; i++)
		if (strcmp(a->features[i], b->features[i]))
			return 0;
	return 1;
}

static void test_full(void)
{
	fl_jobspec js, js2;
	char err[FL_ERRMSG_BYTES], *txt = NULL;
	int r = parse(full, &js, err);

	FL_CHECK_EQ_INT(r, 0);
	if (r != 0) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	FL_CHECK(strcmp(js.name, "shuttle-7") == 0);
	FL_CHECK_EQ_INT(js.model, FL_MODEL_SOFTMAX);
	FL_CHECK_EQ_INT(js.nlabels, 7);
	FL_CHECK(strcmp(js.labels[0], "Rad.Flow") == 0);
	FL_CHECK(strcmp(js.labels[1], "High") == 0);
	FL_CHECK(strcmp(js.labels[6], "Bpv.Close") == 0);
	FL_CHECK_EQ_INT(js.nfeatures, 3);
	FL_CHECK(strcmp(js.features[2], "V3") == 0);
	FL_CHECK_EQ_INT(js.rounds, 25);
	FL_CHECK_EQ_INT(js.min_clients, 3);
	FL_CHECK_EQ_INT(js.local_epochs, 2);
	FL_CHECK_EQ_INT(js.batch_size, 64);
	FL_CHECK_NEAR(js.lr, 0.05, 0);
	FL_CHECK_NEAR(js.l2, 1e-4, 0);
	FL_CHECK_EQ_INT(js.timeout_s, 120);
	FL_CHECK_EQ_INT(js.grace_s, 5);
	FL_CHECK_EQ_INT(js.quorum_margin, 2);
	FL_CHECK_EQ_INT(js.max_attempts, 5);
	FL_CHECK_NEAR(js.test_fraction, 0.3, 0);
	FL_CHECK(js.seed == UINT64_MAX);
	FL_CHECK(strcmp(fl_model_kind_name(js.model), "softmax") == 0);
	FL_CHECK_EQ_INT(js.sa_threshold, 3);
	FL_CHECK_EQ_INT(js.sa_neighbours, 4);
	FL_CHECK_NEAR(js.sa_clip, 0.5, 0);
	FL_CHECK_EQ_INT(js.sa_bits, 16);
	FL_CHECK_NEAR(js.sa_dropout, 0.25, 0);
	FL_CHECK_NEAR(js.sa_expected_dropout, 0.05, 0);
	FL_CHECK(js.sa_consistency);

	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &txt), 0);
	if (txt != NULL) {
		FL_CHECK_EQ_INT(parse(txt, &js2, err), 0);
		FL_CHECK(same_spec(&js, &js2));
		fl_jobspec_clear(&js2);
		free(txt);
	}
	fl_jobspec_clear(&js);
	FL_CHECK(js.labels == NULL && js.nlabels == 0);
}

static void test_defaults(void)
{
	fl_jobspec js;
	char err[FL_ERRMSG_BYTES];
	int r = parse("[job]\nname=bc\ndataset=breast\nmodel=logistic\nlabel=label\n"
		      "labels=0,1\n", &js, err);

	FL_CHECK_EQ_INT(r, 0);
	if (r != 0)
		return;
	FL_CHECK_EQ_INT(js.model, FL_MODEL_LOGISTIC);
	FL_CHECK_EQ_INT(js.rounds, 10);
	FL_CHECK_EQ_INT(js.min_clients, 2);
	FL_CHECK_EQ_INT(js.local_epochs, 1);
	FL_CHECK_EQ_INT(js.batch_size, 32);
	FL_CHECK_NEAR(js.lr, 0.1, 0);
	FL_CHECK_NEAR(js.l2, 0, 0);
	FL_CHECK_EQ_INT(js.timeout_s, 60);
	FL_CHECK_EQ_INT(js.grace_s, 2);
	FL_CHECK_EQ_INT(js.quorum_margin, 0);
	FL_CHECK_EQ_INT(js.max_attempts, 3);
	FL_CHECK_NEAR(js.test_fraction, 0.25, 0);
	FL_CHECK(js.seed == 0);
	FL_CHECK_EQ_INT(js.nfeatures, 0);
	FL_CHECK_EQ_INT(js.sa_threshold, 0);
	FL_CHECK_EQ_INT(js.sa_neighbours, 0);
	FL_CHECK_NEAR(js.sa_clip, 1.0, 0);
	FL_CHECK_EQ_INT(js.sa_bits, 20);
	FL_CHECK_NEAR(js.sa_dropout, 0.5, 0);
	FL_CHECK_NEAR(js.sa_expected_dropout, 0.1, 0);
	FL_CHECK(!js.sa_consistency);
	FL_CHECK(!js.site_figures);
	fl_jobspec_clear(&js);
}

/* Long lists wrap onto continuation lines and still round-trip. */
static void test_long_lists(void)
{
	char text[8192], item[32], err[FL_ERRMSG_BYTES], *txt = NULL;
	size_t off;
	fl_jobspec js, js2;
	int r;

	off = (size_t)snprintf(text, sizeof(text),
			       "[job]\nname=n\ndataset=d\nmodel=linear\nlabel=y\nfeatures = ");
	for (int i = 0; i < 30; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s",
					i == 10 || i == 20 ? ",\n    " : (i ? ", " : ""),
					(snprintf(item, sizeof(item), "feature_%02d", i), item));
	snprintf(text + off, sizeof(text) - off, "\n");
	r = parse(text, &js, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r != 0) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	FL_CHECK_EQ_INT(js.nfeatures, 30);
	FL_CHECK(strcmp(js.features[29], "feature_29") == 0);
	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &txt), 0);
	if (txt != NULL) {
		FL_CHECK_EQ_INT(parse(txt, &js2, err), 0);
		FL_CHECK(same_spec(&js, &js2));
		fl_jobspec_clear(&js2);
		free(txt);
	}
	fl_jobspec_clear(&js);
}

static void expect_err(const char *body, const char *needle)
{
	char text[2048], err[FL_ERRMSG_BYTES];
	fl_jobspec js;
	int r;

	snprintf(text, sizeof(text), "%s", body);
	r = parse(text, &js, err);
	FL_CHECK_EQ_INT(r, FL_E_SPEC);
	if (strstr(err, needle) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		FL_CHECK(0);
	}
	if (r == 0)
		fl_jobspec_clear(&js);
}

#define BASE "[job]\nname=n\ndataset=d\nlabel=y\n"
#define SOFT BASE "model=softmax\nlabels=a,b,c\n"

static void test_errors(void)
{
	char err[FL_ERRMSG_BYTES];
	fl_jobspec js;

	expect_err(SOFT "[train]\nlr_rate = 3\n", "unknown key 'lr_rate' in [train]");
	expect_err(SOFT "[extra]\nx = 1\n", "unknown section [extra]");
	expect_err("[job]\ndataset=d\nlabel=y\nmodel=linear\n", "'name'");
	expect_err("[job]\nname=n\nlabel=y\nmodel=linear\n", "'dataset'");
	expect_err("[job]\nname=n\ndataset=d\nmodel=linear\n", "'label'");
	expect_err(BASE, "'model'");
	expect_err(BASE "model=tree\n", "'model'");
	expect_err(SOFT "rounds=0\n", "'rounds'");
	expect_err(SOFT "rounds=100001\n", "'rounds'");
	expect_err(SOFT "rounds=-1\n", "'rounds'");
	expect_err(SOFT "rounds=12x\n", "line 7: 'rounds'");
	expect_err(SOFT "min_clients=1001\n", "'min_clients'");
	expect_err(SOFT "[train]\nlocal_epochs=0\n", "'local_epochs'");
	expect_err(SOFT "[train]\nbatch_size=1000001\n", "'batch_size'");
	expect_err(SOFT "[train]\nlr=0\n", "'lr'");
	expect_err(SOFT "[train]\nlr=100.5\n", "'lr'");
	expect_err(SOFT "[train]\nlr=nan\n", "'lr'");
	expect_err(SOFT "[train]\nl2=-0.1\n", "'l2'");
	expect_err(SOFT "[round]\ntimeout=86401\n", "'timeout'");
	expect_err(SOFT "[round]\nmax_attempts=101\n", "'max_attempts'");
	expect_err(SOFT "[round]\ngrace=86401\n", "'grace' must be an integer in 0..86400");
	expect_err(SOFT "[round]\ngrace=1.5\n", "'grace'");
	expect_err(SOFT "[round]\nquorum=-1\n", "'quorum'");
	expect_err(SOFT "[round]\nquorum=1001\n", "'quorum'");
	expect_err(SOFT "[round]\ntest_fraction=1\n", "'test_fraction'");
	expect_err(SOFT "[round]\ntest_fraction=0\n", "'test_fraction'");
	expect_err(SOFT "[round]\nseed=18446744073709551616\n", "'seed'");
	expect_err(BASE "model=logistic\nlabels=a,b,c\n", "exactly 2 labels");
	expect_err(BASE "model=softmax\nlabels=a\n", "softmax");
	expect_err(BASE "model=linear\nlabels=a,b\n", "linear");
	expect_err(BASE "model=softmax\nlabels=a,b,a\n", "twice");
	expect_err(BASE "model=softmax\nlabels=a,,b\n", "'labels'");
	expect_err(SOFT "[secagg]\nbits=32\n", "'bits'");
	expect_err(SOFT "[secagg]\nbits=1\n", "'bits'");
	expect_err(SOFT "[secagg]\nclip=0\n", "'clip'");
	expect_err(SOFT "[secagg]\ndropout=1\n", "'dropout'");
	expect_err(SOFT "[secagg]\nexpected_dropout=1\n", "'expected_dropout'");
	expect_err(SOFT "[secagg]\nexpected_dropout=-0.1\n", "'expected_dropout'");
	expect_err(SOFT "[secagg]\nconsistency=maybe\n", "'consistency'");
	expect_err(SOFT "[secagg]\nneighbours=1001\n", "'neighbours'");
	expect_err(SOFT "[secagg]\nk=3\n", "unknown key 'k' in [secagg]");
	expect_err(SOFT "name=again\n", "duplicate key 'name'");
	expect_err(SOFT "this is not ini\n", "line 7");
	expect_err(SOFT "features=y\n", "label");
	FL_CHECK_EQ_INT(fl_jobspec_parse("[job]\0x", 7, &js, err), FL_E_SPEC);
	{
		size_t n = FL_JOBSPEC_MAX_BYTES + 1;
		char *big = malloc(n);
		if (big != NULL) {
			memset(big, '\n', n);
			FL_CHECK_EQ_INT(fl_jobspec_parse(big, n, &js, err), FL_E_TOOBIG);
			free(big);
		}
	}
}

/* The whole message of each key read from a list of words or checked
 * against a range (the key table writes them). */
static void test_word_and_range_messages(void)
{
	expect_err(SOFT "[train]\nlr_schedule=linear\n", "line 8: 'lr_schedule' must "
		   "be constant, step, exponential or cosine, not 'linear'");
	expect_err(SOFT "[server]\noptimizer=sgd\n", "'optimizer' must be fedavg, "
		   "fedavgm, fedadam, fedyogi or fedadagrad, not 'sgd'");
	expect_err(SOFT "loss=hinge\n", "'loss' must be softmax or squared, not 'hinge'");
	expect_err(SOFT "type=eval\n", "'type' must be train or stats, not 'eval'");
	expect_err(SOFT "[round]\nsplit=x\n", "'split' must be random or stratified, "
		   "not 'x'");
	expect_err(SOFT "[train]\nlr=0\n", "'lr' must be in (0, 100], not 0");
	expect_err(SOFT "[train]\nprox_mu=2e6\n", "'prox_mu' must be in [0, 1e6], "
		   "not 2e+06");
	expect_err(SOFT "[train]\nlr_decay=0\n", "'lr_decay' must be in (0, 1], not 0");
	expect_err(SOFT "[server]\nserver_lr=101\n", "'server_lr' must be in "
		   "(0, 100], not 101");
	expect_err(SOFT "[server]\ntau=0\n", "'tau' must be in (0, 1e3], not 0");
	expect_err(SOFT "[server]\ntau=1000\n[secagg]\nclip=1e10\n",
		   "'clip' in [secagg] must be in (0, 1e9], not 1e+10");
	expect_err(SOFT "[secagg]\ndropout=1\n", "'dropout' in [secagg] must be in "
		   "[0, 1), not 1");
	expect_err(SOFT "[secagg]\nexpected_dropout=-0.1\n", "'expected_dropout' in "
		   "[secagg] must be in [0, 1), not -0.1");
	expect_err(SOFT "[train]\nlr_step=0\n", "'lr_step'");
	expect_err(SOFT "site_figures=2\n", "'site_figures' must be true or false, "
		   "not '2'");
}

/* R9: [job] site_figures is part of the spec, parsed, formatted (only when
 * true: older specs keep their canonical text) and round-tripped. */
static void test_site_figures(void)
{
	static const char *bases[] = {
		"[job]\nname=bc\ndataset=breast\nmodel=logistic\nlabel=label\n"
		"labels=0,1\n",
		"[job]\nname=bc\ndataset=breast\nmodel=logistic\nlabel=label\n"
		"labels=0,1\nsite_figures = true\n",
		"[job]\nname=bc\ndataset=breast\nmodel=logistic\nlabel=label\n"
		"labels=0,1\nsite_figures = false\n",
	};
	char err[FL_ERRMSG_BYTES], *text = NULL;
	fl_jobspec js, back;

	for (int i = 0; i < 3; i++) {
		FL_CHECK_EQ_INT(parse(bases[i], &js, err), 0);
		FL_CHECK(js.site_figures == (i == 1));
		FL_CHECK_EQ_INT(fl_jobspec_format(&js, &text), 0);
		if (text == NULL) {
			fl_jobspec_clear(&js);
			continue;
		}
		FL_CHECK((strstr(text, "site_figures = true\n") != NULL) == (i == 1));
		FL_CHECK(strstr(text, "site_figures = false") == NULL);
		FL_CHECK_EQ_INT(parse(text, &back, err), 0);
		FL_CHECK(back.site_figures == js.site_figures && same_spec(&js, &back));
		fl_jobspec_clear(&back);
		fl_jobspec_clear(&js);
		free(text);
		text = NULL;
	}
	expect_err(SOFT "site_figures = yes please\n", "'site_figures'");
	expect_err(SOFT "[round]\nsite_figures = true\n",
		   "unknown key 'site_figures' in [round]");
}

/* [round] split = random|stratified: stratified needs labels, survives
 * fl_jobspec_format, and only appears there when set. */
static void test_split(void)
{
	static const char *base = "[job]\nname=bc\ndataset=breast\nmodel=logistic\n"
		"label=label\nlabels=0,1\n[round]\n";
	char err[FL_ERRMSG_BYTES], spec[512], *text = NULL;
	fl_jobspec js, back;

	snprintf(spec, sizeof(spec), "%ssplit = stratified\n", base);
	FL_CHECK_EQ_INT(parse(spec, &js, err), 0);
	FL_CHECK(js.split_stratified);
	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &text), 0);
	FL_CHECK(text && strstr(text, "split = stratified\n") != NULL);
	FL_CHECK_EQ_INT(text ? parse(text, &back, err) : -1, 0);
	FL_CHECK(back.split_stratified && same_spec(&js, &back));
	fl_jobspec_clear(&back);
	fl_jobspec_clear(&js);
	free(text);
	text = NULL;
	snprintf(spec, sizeof(spec), "%ssplit = random\n", base);
	FL_CHECK_EQ_INT(parse(spec, &js, err), 0);
	FL_CHECK(!js.split_stratified);
	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &text), 0);
	FL_CHECK(text && strstr(text, "split") == NULL);
	fl_jobspec_clear(&js);
	free(text);
	snprintf(spec, sizeof(spec), "%ssplit = evenly\n", base);
	expect_err(spec, "'split' must be random or stratified");
	expect_err("[job]\nname=c\ndataset=c\nmodel=linear\nlabel=y\n[round]\n"
		   "split = stratified\n", "needs a classification job");
}

int main(void)
{
	test_full();
	test_defaults();
	test_long_lists();
	test_errors();
	test_word_and_range_messages();
	test_site_figures();
	test_split();
	return FL_TEST_DONE();
}

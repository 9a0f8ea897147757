/* SPDX-License-Identifier: Apache-2.0 */
/* test_external: the external trainer contract with small shell trainers:
 * a good one (its weights and figures come back exactly), and every way a
 * trainer can fail (exit status, signal, timeout, wrong size, NaN, missing
 * or bad result.txt, too many samples, a missing program). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent_external.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_util.h"

static char root[256];

/* Writes an executable /bin/sh trainer with body; returns its path. */
static const char *trainer(const char *name, const char *body)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.sh", root, name);
	f = fopen(path, "w");
	if (!f)
		return "/nonexistent";
	fprintf(f, "#!/bin/sh\nset -e\ncd \"$1\"\n%s\n", body);
	fclose(f);
	chmod(path, 0700);
	return path;
}

static fl_jobspec spec;
static char *feats[2] = { "a", "b" };
static char *labnames[2] = { "no", "yes" };

static int run(const char *prog, uint32_t timeout_s, fl_model *g, fl_dataset *ds,
	       fl_model *local, double *samples, double *loss, char *err)
{
	char work[300];
	fl_external_cfg cfg;

	snprintf(work, sizeof(work), "%s/work", root);
	cfg.program = prog;
	cfg.workroot = work;
	cfg.timeout_s = timeout_s;
	err[0] = '\0';
	return fl_external_train(&cfg, &spec, 7, 3, g, ds, local, samples, loss, err);
}

int main(void)
{
	fl_model *g = NULL, *local = NULL;
	fl_dataset ds;
	double x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, y[4] = { 0, 1, 1, 0 };
	double samples = 0, loss = 0;
	char err[FL_ERRMSG_BYTES], path[400], *text = NULL;
	size_t len = 0, i;
	int r;

	snprintf(root, sizeof(root), "/tmp/fedc-test-external.XXXXXX");
	FL_CHECK(mkdtemp(root) != NULL);
	memset(&spec, 0, sizeof(spec));
	spec.model = FL_MODEL_LOGISTIC;
	spec.features = feats;
	spec.nfeatures = 2;
	spec.labels = labnames;
	spec.nlabels = 2;
	spec.local_epochs = 2;
	spec.batch_size = 4;
	spec.lr = 0.5;
	ds.n = 4;
	ds.d = 2;
	ds.k = 2;
	ds.x = x;
	ds.y = y;
	FL_CHECK_EQ_INT(fl_model_new(FL_MODEL_LOGISTIC, 2, 1, &g), 0);
	for (i = 0; i < g->nparams; i++)
		g->w[i] = 0.25 * (double)(i + 1);
	FL_CHECK_EQ_INT(fl_model_copy(g, &local), 0);

	/* A good trainer: checks its inputs, then writes known little-endian
	 * doubles (1.0, -2.5, 0.5: the 3 parameters of a 2-feature logistic
	 * model) and its figures. */
	r = run(trainer("good",
			"test -s train.csv && test -s global.f64\n"
			"grep -q '^format fedc-external-1$' task.txt\n"
			"grep -q '^nparams 3$' task.txt\n"
			"grep -q '^features a,b$' task.txt\n"
			"head -n 1 train.csv | grep -q '^a,b,label$'\n"
			"test \"$(wc -l < train.csv)\" = 5\n"
			"test \"$(wc -c < global.f64)\" = 24\n"
			"printf '\\000\\000\\000\\000\\000\\000\\360\\077"
			"\\000\\000\\000\\000\\000\\000\\004\\300"
			"\\000\\000\\000\\000\\000\\000\\340\\077' > local.f64\n"
			"printf 'samples 3\\nloss 0.125\\n' > result.txt\n"
			"echo trained"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r != 0)
		printf("good trainer: %s\n", err);
	FL_CHECK_NEAR(local->w[0], 1.0, 0);
	FL_CHECK_NEAR(local->w[1], -2.5, 0);
	FL_CHECK_NEAR(local->w[2], 0.5, 0);
	FL_CHECK_NEAR(samples, 3, 0);
	FL_CHECK_NEAR(loss, 0.125, 0);
	snprintf(path, sizeof(path), "%s/work/job7-round3", root);
	FL_CHECK(access(path, F_OK) != 0);   /* removed after success */

	/* The global weights are written exactly (little-endian float64). */
	r = run(trainer("echo", "cp global.f64 local.f64\n"
			"printf 'samples 4\\nloss 0\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, 0);
	for (i = 0; i < g->nparams; i++)
		FL_CHECK_NEAR(local->w[i], g->w[i], 0);

	/* Failures, each with a message naming the cause. */
	r = run(trainer("exit3", "echo 'CUDA out of memory' >&2\nexit 3"), 0, g,
		&ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "status 3") && strstr(err, "CUDA out of memory"));
	/* Kept for the site to inspect after a failure. */
	snprintf(path, sizeof(path), "%s/work/job7-round3/trainer.log", root);
	FL_CHECK(fl_file_read(path, 4096, &text, &len) == 0 &&
		 strstr(text, "CUDA") != NULL);
	free(text);

	r = run(trainer("segv", "kill -SEGV $$"), 0, g, &ds, local, &samples,
		&loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "signal 11") != NULL);

	r = run(trainer("slow", "sleep 30"), 1, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_TIMEOUT);
	FL_CHECK(strstr(err, "timeout of 1 s") != NULL);

	r = run(trainer("short", "head -c 16 global.f64 > local.f64\n"
			"printf 'samples 4\\nloss 0\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "16 bytes; expected 24") != NULL);

	r = run(trainer("nan", "cp global.f64 local.f64\n"
			"printf '\\000\\000\\000\\000\\000\\000\\370\\177' | "
			"dd of=local.f64 bs=8 seek=1 conv=notrunc 2>/dev/null\n"
			"printf 'samples 4\\nloss 0\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "non-finite value at parameter 1") != NULL);

	r = run(trainer("noresult", "cp global.f64 local.f64"), 0, g, &ds, local,
		&samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "result.txt") != NULL);

	r = run(trainer("toomany", "cp global.f64 local.f64\n"
			"printf 'samples 5\\nloss 0.1\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "from 1 to the 4 rows") != NULL);

	r = run(trainer("badline", "cp global.f64 local.f64\n"
			"printf 'samples 4\\naccuracy 1\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "bad line 'accuracy 1'") != NULL);

	r = run(trainer("negloss", "cp global.f64 local.f64\n"
			"printf 'samples 4\\nloss -1\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);

	snprintf(path, sizeof(path), "%s/does-not-exist", root);
	r = run(path, 0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	FL_CHECK(strstr(err, "status 127") && strstr(err, "cannot execute"));

	/* A failed run never changes the weights (the NaN run wrote a valid
	 * first parameter of 9.0 before the bad one). */
	r = run(trainer("nan2", "cp global.f64 local.f64\n"
			"printf '\\000\\000\\000\\000\\000\\000\\042\\100' | "
			"dd of=local.f64 bs=8 seek=0 conv=notrunc 2>/dev/null\n"
			"printf '\\000\\000\\000\\000\\000\\000\\370\\177' | "
			"dd of=local.f64 bs=8 seek=1 conv=notrunc 2>/dev/null\n"
			"printf 'samples 4\\nloss 0\\n' > result.txt"),
		0, g, &ds, local, &samples, &loss, err);
	FL_CHECK_EQ_INT(r, FL_E_EXTERNAL);
	for (i = 0; i < g->nparams; i++)
		FL_CHECK_NEAR(local->w[i], g->w[i], 0);

	fl_model_free(g);
	fl_model_free(local);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		FL_CHECK_EQ_INT(system(cmd), 0);
	}
	return FL_TEST_DONE();
}

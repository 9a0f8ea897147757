/* SPDX-License-Identifier: Apache-2.0 */
/* onnx_ref: fedc's own predictions for the ONNX check (onnx_check.sh).
 *   onnx_ref rows MODEL SPEC CSV N INPUT_OUT REF_OUT
 *     takes the first N test rows of CSV (split as an agent splits it),
 *     rounds them to float32 (the ONNX input type), writes them to
 *     INPUT_OUT ("n d", then one row a line) and writes to REF_OUT what
 *     fedc's float64 forward pass gives for them: the value (linear, mlp
 *     regression), P(class 1) (logistic) or the class probabilities.
 *   onnx_ref compare REF OUT TOL
 *     exit 0 iff both files hold as many numbers and max |ref - out| <= TOL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_err.h"
#include "fl_model.h"
#include "fl_model_int.h"

/* What fedc's heads compute from one row of logits z: the probabilities,
 * or a regression's value in the label's units. */
static void head(const fl_model *m, double *z)
{
	double mx, s = 0;

	if (m->kind == FL_MODEL_LOGISTIC) {
		z[0] = 1.0 / (1.0 + exp(-z[0]));
		return;
	}
	if (m->kind != FL_MODEL_SOFTMAX && !(m->kind == FL_MODEL_MLP && m->k >= 2)) {
		/* regression: the value in the label's units (the ONNX graph
		 * ends in Mul + Add for the label standardisation) */
		z[0] = z[0] * m->y_scale + m->y_mean;
		return;
	}
	mx = z[0];
	for (uint32_t c = 1; c < m->k; c++)
		mx = z[c] > mx ? z[c] : mx;
	for (uint32_t c = 0; c < m->k; c++)
		s += (z[c] = exp(z[c] - mx));
	for (uint32_t c = 0; c < m->k; c++)
		z[c] /= s;
}

static int load(const char *mpath, const char *spath, const char *csv, fl_model **m,
		fl_jobspec *spec, fl_dataset **te)
{
	char msg[FL_ERRMSG_BYTES] = "", *buf = NULL;
	fl_dataset *tr = NULL;
	size_t len = 0;
	int r;

	if ((r = fl_file_read(mpath, (size_t)FL_MODEL_MAX_PARAMS * 16u, &buf, &len)) != 0 ||
	    (r = fl_model_decode((const uint8_t *)buf, len, m)) != 0) {
		fprintf(stderr, "onnx_ref: %s: %s\n", mpath, fl_strerror(r));
		goto out;
	}
	free(buf);
	buf = NULL;
	if ((r = fl_file_read(spath, FL_JOBSPEC_MAX_BYTES, &buf, &len)) != 0 ||
	    (r = fl_jobspec_parse(buf, len, spec, msg)) != 0) {
		fprintf(stderr, "onnx_ref: %s: %s\n", spath, msg[0] ? msg : fl_strerror(r));
		goto out;
	}
	if ((r = fl_agent_data_load(spec, csv, &tr, te, msg)) != 0)
		fprintf(stderr, "onnx_ref: %s\n", msg[0] ? msg : fl_strerror(r));
	else if ((*te)->d != (*m)->d)
		fprintf(stderr, "onnx_ref: %s has %u features, the model %u\n", csv,
			(*te)->d, (*m)->d), r = FL_E_INVAL;
out:
	fl_dataset_free(tr);
	free(buf);
	return r;
}

static int rows(char **argv)
{
	fl_jobspec spec;
	fl_dataset *te = NULL;
	fl_model *m = NULL;
	double *x = NULL, *xs = NULL, *z = NULL;
	FILE *fi = NULL, *fr = NULL;
	long n = strtol(argv[4], NULL, 10);
	int r = 1;

	memset(&spec, 0, sizeof(spec));
	if (n <= 0 || load(argv[1], argv[2], argv[3], &m, &spec, &te) != 0)
		goto out;
	if ((size_t)n > te->n)
		n = (long)te->n;
	x = malloc((size_t)n * m->d * sizeof(double));
	xs = malloc((size_t)n * m->d * sizeof(double));
	z = malloc((size_t)n * m->k * sizeof(double));
	fi = fopen(argv[5], "w");
	fr = fopen(argv[6], "w");
	if (!x || !xs || !z || !fi || !fr) {
		fprintf(stderr, "onnx_ref: out of memory or cannot write %s / %s\n",
			argv[5], argv[6]);
		goto out;
	}
	/* The ONNX graph takes float32, so fedc gets the same rounded rows. */
	for (size_t i = 0; i < (size_t)n * m->d; i++)
		x[i] = (double)(float)te->x[i];
	fl_model_standardise(m, x, (size_t)n, xs);
	fl_model_logits(m, m->w, xs, (size_t)n, z);
	fprintf(fi, "%ld %u\n", n, m->d);
	for (long i = 0; i < n; i++) {
		for (uint32_t j = 0; j < m->d; j++)
			fprintf(fi, "%s%.9g", j ? " " : "", x[(size_t)i * m->d + j]);
		head(m, z + (size_t)i * m->k);
		for (uint32_t c = 0; c < m->k; c++)
			fprintf(fr, "%s%.17g", c ? " " : "", z[(size_t)i * m->k + c]);
		fputc('\n', fi);
		fputc('\n', fr);
	}
	r = ferror(fi) || ferror(fr);
out:
	if (fi && fclose(fi) != 0)
		r = 1;
	if (fr && fclose(fr) != 0)
		r = 1;
	free(x);
	free(xs);
	free(z);
	fl_model_free(m);
	fl_dataset_free(te);
	fl_jobspec_clear(&spec);
	return r;
}

static int compare(char **argv)
{
	FILE *a = fopen(argv[1], "r"), *b = fopen(argv[2], "r");
	double tol = strtod(argv[3], NULL), va, vb, worst = 0;
	long n = 0;
	int ra = 0, rb = 0, r = 1;

	if (!a || !b) {
		fprintf(stderr, "onnx_ref: cannot read %s or %s\n", argv[1], argv[2]);
		goto out;
	}
	for (;;) {
		ra = fscanf(a, "%lf", &va);
		rb = fscanf(b, "%lf", &vb);
		if (ra != 1 || rb != 1)
			break;
		n++;
		if (!(fabs(va - vb) <= worst))
			worst = isfinite(va - vb) ? fabs(va - vb) : INFINITY;
	}
	if (ra != EOF || rb != EOF) {
		fprintf(stderr, "onnx_ref: %s and %s differ in length or hold a "
			"non-number after %ld values\n", argv[1], argv[2], n);
		goto out;
	}
	printf("compared %ld values: max |fedc - onnx| = %.3g (tolerance %g)\n", n,
	       worst, tol);
	r = n > 0 && worst <= tol ? 0 : 1;
out:
	if (a)
		fclose(a);
	if (b)
		fclose(b);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 8 && strcmp(argv[1], "rows") == 0)
		return rows(argv + 1);
	if (argc == 5 && strcmp(argv[1], "compare") == 0)
		return compare(argv + 1);
	fprintf(stderr, "usage: onnx_ref rows MODEL SPEC CSV N INPUT_OUT REF_OUT\n"
		"       onnx_ref compare REF OUT TOL\n");
	return 2;
}

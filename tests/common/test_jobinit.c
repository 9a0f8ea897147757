/* SPDX-License-Identifier: Apache-2.0 */
/* test_jobinit: specs inferred from CSVs (fl_specinit) and lists of any length. */
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_specinit.h"
#include "fl_test.h"
#include "fl_util.h"

static fl_csv *csv_of(const char *text)
{
	char err[FL_ERRMSG_BYTES] = "";
	fl_csv *c = NULL;

	if (fl_csv_parse(text, strlen(text), &c, err) != 0)
		fprintf(stderr, "csv: %s\n", err);
	return c;
}

/* Infers and writes a spec, then parses it back into *js. */
static int init_spec(const char *csvtext, const char *label, const char *model,
		     bool all, fl_jobspec *js, char **text, char *err)
{
	fl_specinit_opts o = { label, model, "ds", NULL, 0, all };
	fl_specinit_plan p;
	fl_csv *c = csv_of(csvtext);
	int r;

	err[0] = '\0';
	*text = NULL;
	if (c == NULL)
		return FL_E_CSV;
	if ((r = fl_specinit_infer(c, &o, &p, err)) == 0) {
		r = fl_specinit_write(c, &o, &p, text, err);
		fl_specinit_plan_clear(&p);
	}
	fl_csv_free(c);
	if (r == 0 && (r = fl_jobspec_parse(*text, strlen(*text), js, err)) != 0)
		fprintf(stderr, "spec does not parse: %s\n%s", err, *text);
	return r;
}

static void test_classification(void)
{
	char err[FL_ERRMSG_BYTES], *text;
	fl_jobspec js;
	/* x is numeric, note is text, y has classes 10, 2, 2, 2 (uneven). */
	const char *csv = "x,note,y\n1.5,a,2\n2,b,10\n3,c,2\n-4e2,d,2.0\n";

	FL_CHECK_EQ_INT(init_spec(csv, "y", "logistic", false, &js, &text, err), 0);
	if (text == NULL)
		return;
	FL_CHECK(js.model == FL_MODEL_LOGISTIC);
	FL_CHECK_EQ_INT(js.nfeatures, 1);
	{
		fl_specinit_opts o = { "y", "logistic", "ds", NULL, 0, false };
		fl_specinit_plan p;
		fl_csv *c = csv_of(csv);

		/* the sum of squares that the statistics round would sum */
		FL_CHECK(c && fl_specinit_infer(c, &o, &p, err) == 0);
		if (c && p.nfeat == 1)
			FL_CHECK_NEAR(p.feat_sumsq[0], 1.5 * 1.5 + 4 + 9 + 160000, 1e-9);
		FL_CHECK(c && p.ndropped == 1 && p.dropped_bad[0] == 4);
		fl_specinit_plan_clear(&p);
		fl_csv_free(c);
	}
	FL_CHECK(js.nfeatures == 1 && strcmp(js.features[0], "x") == 0);
	/* numeric order, not text order ("10" < "2") */
	FL_CHECK(js.nlabels == 2 && strcmp(js.labels[0], "2") == 0 &&
		 strcmp(js.labels[1], "10") == 0);
	FL_CHECK(js.cw_mode == FL_CW_BALANCED);
	FL_CHECK(js.split_stratified);
	/* the text column is named, in a comment, and left out */
	FL_CHECK(strstr(text, "#   note\n") != NULL);
	FL_CHECK(strstr(text, "features = x\n") != NULL);
	fl_jobspec_clear(&js);
	free(text);

	/* mlp on a text label with even classes: softmax head, no weights */
	FL_CHECK_EQ_INT(init_spec("a,b,c\n1,2,u\n3,4,v\n5,6,u\n7,8,v\n", "c", "mlp",
				  false, &js, &text, err), 0);
	FL_CHECK(js.model == FL_MODEL_MLP && js.nlabels == 2 && js.nhidden == 2);
	FL_CHECK(js.cw_mode == FL_CW_NONE);
	FL_CHECK_EQ_INT(js.nfeatures, 2);
	FL_CHECK(text && strstr(text, "loss = softmax") != NULL);
	fl_jobspec_clear(&js);
	free(text);
}

static void test_regression(void)
{
	char csv[4096], err[FL_ERRMSG_BYTES], *text;
	size_t off;
	fl_jobspec js;

	off = (size_t)snprintf(csv, sizeof(csv), "f1,f2,target\n");
	for (int i = 0; i < 40; i++)
		off += (size_t)snprintf(csv + off, sizeof(csv) - off, "%d,%d,%g\n", i,
					i % 7, i * 1.37 + 10);
	/* mlp on a numeric label with 40 distinct values: regression */
	FL_CHECK_EQ_INT(init_spec(csv, "target", "mlp", false, &js, &text, err), 0);
	FL_CHECK(js.model == FL_MODEL_MLP && js.nlabels == 0);
	FL_CHECK(js.nfeatures == 2 && !js.split_stratified);
	FL_CHECK(text && strstr(text, "loss = squared") != NULL);
	fl_jobspec_clear(&js);
	free(text);
	FL_CHECK_EQ_INT(init_spec(csv, "target", "linear", false, &js, &text, err), 0);
	FL_CHECK(js.model == FL_MODEL_LINEAR && js.nlabels == 0);
	fl_jobspec_clear(&js);
	free(text);
	/* softmax on it is refused, naming the way out */
	FL_CHECK_EQ_INT(init_spec(csv, "target", "softmax", false, &js, &text, err),
			FL_E_SPEC);
	FL_CHECK(strstr(err, "regression target") != NULL);
}

static void expect_fail(const char *csv, const char *label, const char *model,
			int code, const char *needle)
{
	char err[FL_ERRMSG_BYTES], *text = NULL;
	fl_jobspec js;
	int r = init_spec(csv, label, model, false, &js, &text, err);

	FL_CHECK_EQ_INT(r, code);
	if (strstr(err, needle) == NULL) {
		fprintf(stderr, "error '%s' lacks '%s'\n", err, needle);
		FL_CHECK(0);
	}
	if (r == 0)
		fl_jobspec_clear(&js);
	free(text);
}

static void test_errors(void)
{
	char err[FL_ERRMSG_BYTES];
	fl_csv *c = NULL;

	expect_fail("a,b\n1,2\n", "y", "linear", FL_E_CSV, "no column 'y'");
	expect_fail("a,b\n", "b", "linear", FL_E_CSV, "no rows");
	expect_fail("a,b\nu,1\nv,2\n", "b", "linear", FL_E_CSV, "no numeric feature");
	expect_fail("a,b\n1,u\n2,v\n", "b", "linear", FL_E_SPEC, "numeric target");
	expect_fail("a,b\n1,u\n2,v\n3,w\n", "b", "logistic", FL_E_SPEC, "exactly 2");
	expect_fail("a,b\n1,u\n2,u\n", "b", "softmax", FL_E_SPEC, "2..");
	expect_fail("a,b\n1,u\n2,\n", "b", "softmax", FL_E_CSV, "empty in 1 of 2");
	expect_fail("a,b\n1,u\n2,v\n", "b", "tree", FL_E_INVAL, "--model");
	/* repeated names are left out, so the spec still parses */
	{
		char e2[FL_ERRMSG_BYTES], *text = NULL;
		fl_jobspec js;

		FL_CHECK_EQ_INT(init_spec("a,b,a,b,c\n1,2,3,4,x\n5,6,7,8,y\n", "b",
					  "softmax", false, &js, &text, e2), 0);
		FL_CHECK(js.nfeatures == 1 && strcmp(js.features[0], "a") == 0);
		if (text != NULL)
			fl_jobspec_clear(&js);
		free(text);
	}
	/* a ragged row is the CSV reader's error, naming the line */
	FL_CHECK_EQ_INT(fl_csv_parse("a,b\n1,2\n3\n", 10, &c, err), FL_E_CSV);
	FL_CHECK(strstr(err, "line 3") != NULL);
	fl_csv_free(c);
}

/* A wide CSV: 120 features on one line, as features = all or a list. */
static void test_wide(void)
{
	size_t cap = 1 << 20, off = 0;
	char *csv = malloc(cap), err[FL_ERRMSG_BYTES], *text = NULL;
	char *line = malloc(65536), *fmt = NULL;
	fl_jobspec js, js2;
	size_t loff;
	int r;

	if (csv == NULL || line == NULL)
		goto out;
	for (int j = 0; j < 120; j++)
		off += (size_t)snprintf(csv + off, cap - off, "measurement_%03d,", j);
	off += (size_t)snprintf(csv + off, cap - off, "label\n");
	for (int i = 0; i < 30; i++) {
		for (int j = 0; j < 120; j++)
			off += (size_t)snprintf(csv + off, cap - off, "%d.%d,", i * j, j);
		off += (size_t)snprintf(csv + off, cap - off, "%s\n", i % 3 ? "ok" : "scrap");
	}
	FL_CHECK_EQ_INT(init_spec(csv, "label", "mlp", false, &js, &text, err), 0);
	FL_CHECK_EQ_INT(js.nfeatures, 120);
	FL_CHECK(js.nfeatures == 120 && strcmp(js.features[119], "measurement_119") == 0);
	FL_CHECK(js.nhidden == 2 && js.hidden[0] == 128);
	fl_jobspec_clear(&js);
	free(text);

	/* features = all needs no column list in the spec */
	FL_CHECK_EQ_INT(init_spec(csv, "label", "softmax", true, &js, &text, err), 0);
	FL_CHECK(js.features_all && js.nfeatures == 0);
	FL_CHECK(text && strstr(text, "features = all\n") != NULL);
	fl_jobspec_clear(&js);
	free(text);

	/* The same 120 names on one line of about 2 KB (over libinih's 200). */
	loff = (size_t)snprintf(line, 65536, "[job]\nname=w\ndataset=d\nmodel=linear\n"
				"label=y\nfeatures = ");
	for (int j = 0; j < 120; j++)
		loff += (size_t)snprintf(line + loff, 65536 - loff, "%smeasurement_%03d",
					 j ? ", " : "", j);
	snprintf(line + loff, 65536 - loff, "\n[train]\nlr = 0.05\n");
	r = fl_jobspec_parse(line, strlen(line), &js, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r != 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	FL_CHECK_EQ_INT(js.nfeatures, 120);
	FL_CHECK_NEAR(js.lr, 0.05, 0);
	/* its canonical text wraps and parses back the same */
	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &fmt), 0);
	if (fmt && fl_jobspec_parse(fmt, strlen(fmt), &js2, err) == 0) {
		FL_CHECK_EQ_INT(js2.nfeatures, 120);
		FL_CHECK(strcmp(js2.features[77], "measurement_077") == 0);
		fl_jobspec_clear(&js2);
	} else {
		FL_CHECK(0);
	}
	fl_jobspec_clear(&js);
out:
	free(fmt);
	free(line);
	free(csv);
}

/* features = all: a flag without a list; 'all' with names is an error. */
static void test_features_all(void)
{
	const char *base = "[job]\nname=n\ndataset=d\nmodel=linear\nlabel=y\n";
	char text[512], err[FL_ERRMSG_BYTES] = "";
	fl_jobspec js;

	snprintf(text, sizeof(text), "%sfeatures = all\n", base);
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &js, err), 0);
	FL_CHECK(js.features_all && js.nfeatures == 0);
	fl_jobspec_clear(&js);
	snprintf(text, sizeof(text), "%sfeatures = all, x\n", base);
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &js, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "'all'") != NULL);
	snprintf(text, sizeof(text), "%sfeatures = x,\n  all\n", base);
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &js, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "'all'") != NULL);
}

/* A line over the limit names the limit. */
static void test_line_limit(void)
{
	size_t n = 70000;
	char *text = malloc(n + 64), err[FL_ERRMSG_BYTES] = "";
	fl_jobspec js;

	if (text == NULL)
		return;
	memcpy(text, "[job]\nname = ", 13);
	memset(text + 13, 'a', n);
	text[13 + n] = '\0';
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &js, err), FL_E_TOOBIG);
	FL_CHECK(strstr(err, "65536") != NULL);
	free(text);
}

int main(void)
{
	test_classification();
	test_regression();
	test_errors();
	test_wide();
	test_features_all();
	test_line_limit();
	return FL_TEST_DONE();
}

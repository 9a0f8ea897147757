/* SPDX-License-Identifier: Apache-2.0 */
/* test_csv: CSV parsing quirks, label mapping, error messages and shuttle.csv. */
#include <string.h>

#include "fl_csv.h"
#include "fl_dataset.h"
#include "fl_err.h"
#include "fl_test.h"
#include "fl_util.h"

static fl_csv *parse(const char *s, int *r, char *err)
{
	fl_csv *c = NULL;

	err[0] = '\0';
	*r = fl_csv_parse(s, strlen(s), &c, err);
	return c;
}

static void test_quoting(void)
{
	char err[FL_ERRMSG_BYTES];
	int r;
	const char *s = "\"a\", \"b c\" ,c\r\n"
			"1,\"x,y\",\" z \"\r\n"
			"\r\n"
			"2,\"say \"\"hi\"\"\",\"two\nlines\"\n"
			"   \n"
			"  3 ,  4  ,5";
	fl_csv *c = parse(s, &r, err);

	FL_CHECK_EQ_INT(r, 0);
	if (c == NULL)
		return;
	FL_CHECK_EQ_INT(c->ncols, 3);
	FL_CHECK_EQ_INT(c->nrows, 3);
	FL_CHECK(strcmp(c->header[0], "a") == 0);
	FL_CHECK(strcmp(c->header[1], "b c") == 0);
	FL_CHECK(strcmp(c->header[2], "c") == 0);
	FL_CHECK(strcmp(c->cells[1], "x,y") == 0);
	FL_CHECK(strcmp(c->cells[2], " z ") == 0);   /* inside quotes: kept */
	FL_CHECK(strcmp(c->cells[4], "say \"hi\"") == 0);
	FL_CHECK(strcmp(c->cells[5], "two\nlines") == 0);
	FL_CHECK(strcmp(c->cells[6], "3") == 0);
	FL_CHECK(strcmp(c->cells[7], "4") == 0);
	FL_CHECK(strcmp(c->cells[8], "5") == 0);
	FL_CHECK_EQ_INT(fl_csv_column(c, "b c"), 1);
	FL_CHECK_EQ_INT(fl_csv_column(c, "nope"), -1);
	fl_csv_free(c);
}

static void test_errors(void)
{
	char err[FL_ERRMSG_BYTES];
	int r;
	fl_csv *c;

	/* Physical lines: the quoted newline in row 2 shifts the ragged row to 5. */
	c = parse("a,b\n1,2\n\"x\ny\",3\n\n1,2,3\n", &r, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(c == NULL);
	FL_CHECK(strstr(err, "line 6: expected 2 fields, found 3") != NULL);
	c = parse("a,b,c\n1,2,3\n4,5\n", &r, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "line 3: expected 3 fields, found 2") != NULL);
	c = parse("a,b\n1,2\n3,\"open\n\n", &r, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "line 3") != NULL && strstr(err, "unterminated") != NULL);
	c = parse("a,b\n1,\"x\"y\n", &r, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "line 2") != NULL);
	c = parse("\n\n  \n", &r, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	c = parse("a\n", &r, err);
	FL_CHECK_EQ_INT(r, 0);
	if (c != NULL)
		FL_CHECK_EQ_INT(c->nrows, 0);
	fl_csv_free(c);
	FL_CHECK_EQ_INT(fl_csv_parse("a\0b\n", 4, &c, err), FL_E_CSV);
}

static void test_labels(void)
{
	char err[FL_ERRMSG_BYTES];
	char *labels[] = { "Low", "Mid.High", "Top" };
	char *num_labels[] = { "0", "1" };
	char *feat[] = { "f2" };
	fl_dataset *ds = NULL;
	int r;
	fl_csv *c = parse("f1,\"f2\",cls\n1.5,2,\"Top\"\n\n-3,4e1,Low\n0,0, Mid.High \n",
			  &r, err);

	FL_CHECK_EQ_INT(r, 0);
	r = fl_dataset_from_csv(c, "cls", labels, 3, NULL, 0, &ds, err);
	FL_CHECK_EQ_INT(r, 0);
	if (ds != NULL) {
		FL_CHECK_EQ_INT(ds->n, 3);
		FL_CHECK_EQ_INT(ds->d, 2);
		FL_CHECK_EQ_INT(ds->k, 3);
		FL_CHECK_NEAR(ds->y[0], 2, 0);
		FL_CHECK_NEAR(ds->y[1], 0, 0);
		FL_CHECK_NEAR(ds->y[2], 1, 0);
		FL_CHECK_NEAR(ds->x[0], 1.5, 0);
		FL_CHECK_NEAR(ds->x[3], 40, 0);
	}
	fl_dataset_free(ds);
	ds = NULL;
	r = fl_dataset_from_csv(c, "cls", labels, 3, feat, 1, &ds, err);
	FL_CHECK_EQ_INT(r, 0);
	if (ds != NULL) {
		FL_CHECK_EQ_INT(ds->d, 1);
		FL_CHECK_NEAR(ds->x[1], 40, 0);
	}
	fl_dataset_free(ds);
	ds = NULL;
	/* Unknown label names the physical line (blank line 3 skipped). */
	r = fl_dataset_from_csv(c, "cls", labels, 2, NULL, 0, &ds, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "line 2: label 'Top' is not one of the job's labels (Low, Mid.High)") != NULL);
	r = fl_dataset_from_csv(c, "nope", labels, 3, NULL, 0, &ds, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "'nope'") != NULL);
	feat[0] = "f9";
	r = fl_dataset_from_csv(c, "cls", labels, 3, feat, 1, &ds, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "'f9'") != NULL);
	fl_csv_free(c);

	/* "1.0" matches label "1" numerically; "x" is not a number. */
	c = parse("v,y\n1,1.0\n2,0\n3,1\n", &r, err);
	r = fl_dataset_from_csv(c, "y", num_labels, 2, NULL, 0, &ds, err);
	FL_CHECK_EQ_INT(r, 0);
	if (ds != NULL) {
		FL_CHECK_NEAR(ds->y[0], 1, 0);
		FL_CHECK_NEAR(ds->y[1], 0, 0);
		FL_CHECK_NEAR(ds->y[2], 1, 0);
	}
	fl_dataset_free(ds);
	ds = NULL;
	fl_csv_free(c);
	c = parse("v,w,y\n1,2,0\n2,abc,0\n", &r, err);
	r = fl_dataset_from_csv(c, "y", num_labels, 2, NULL, 0, &ds, err);
	FL_CHECK_EQ_INT(r, FL_E_CSV);
	FL_CHECK(strstr(err, "line 3") != NULL && strstr(err, "'w'") != NULL);
	fl_csv_free(c);
	c = parse("v,y\n1,0\nnan,0\n", &r, err);
	FL_CHECK_EQ_INT(fl_dataset_from_csv(c, "y", NULL, 0, NULL, 0, &ds, err), FL_E_CSV);
	FL_CHECK(strstr(err, "line 3") != NULL);
	fl_csv_free(c);
	c = parse("v,y\n1,2.5\n2,inf\n", &r, err);
	FL_CHECK_EQ_INT(fl_dataset_from_csv(c, "y", NULL, 0, NULL, 0, &ds, err), FL_E_CSV);
	fl_csv_free(c);
}

static void test_split_append(void)
{
	char err[FL_ERRMSG_BYTES];
	fl_dataset *all = NULL, *tr = NULL, *te = NULL, *tr2 = NULL, *te2 = NULL;
	char text[4096];
	size_t off = 0;
	int r;

	off += (size_t)snprintf(text + off, sizeof(text) - off, "a,y\n");
	for (int i = 0; i < 200; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%d,%d\n", i, i * 2);
	fl_csv *c = parse(text, &r, err);
	FL_CHECK_EQ_INT(fl_dataset_from_csv(c, "y", NULL, 0, NULL, 0, &all, err), 0);
	fl_csv_free(c);
	if (all == NULL)
		return;
	FL_CHECK_EQ_INT(fl_dataset_split(all, 0.25, 7, &tr, &te), 0);
	FL_CHECK_EQ_INT(fl_dataset_split(all, 0.25, 7, &tr2, &te2), 0);
	if (tr && te && tr2 && te2) {
		FL_CHECK_EQ_INT(tr->n + te->n, 200);
		FL_CHECK(te->n > 25 && te->n < 80);
		FL_CHECK_EQ_INT(te->n, te2->n);
		FL_CHECK(memcmp(te->x, te2->x, te->n * sizeof(double)) == 0);
		FL_CHECK_NEAR(te->y[0], 2 * te->x[0], 0);
		/* membership follows the documented rule */
		size_t expect = 0;
		for (uint64_t i = 0; i < 200; i++)
			expect += (fl_mix64(7 ^ i) >> 11) * 0x1.0p-53 < 0.25;
		FL_CHECK_EQ_INT(te->n, expect);
		FL_CHECK_EQ_INT(fl_dataset_append(tr, te), 0);
		FL_CHECK_EQ_INT(tr->n, 200);
		double s = 0;
		for (size_t i = 0; i < tr->n; i++)
			s += tr->x[i];
		FL_CHECK_NEAR(s, 199.0 * 200 / 2, 1e-9);
	}
	fl_dataset_free(all);
	fl_dataset_free(tr);
	fl_dataset_free(te);
	fl_dataset_free(tr2);
	fl_dataset_free(te2);
}

static void test_shuttle(void)
{
	static const char *const names[] = { "Rad.Flow", "High", "Bypass", "Fpv.Open",
					     "Fpv.Close", "Bpv.Open", "Bpv.Close" };
	static const int counts[] = { 45586, 8903, 3267, 171, 50, 13, 10 };
	char *labels[7];
	char err[FL_ERRMSG_BYTES] = "";
	fl_csv *c = NULL;
	fl_dataset *ds = NULL;
	int r, hist[7] = { 0 };
	int64_t t0 = fl_mono_ms();

	for (int i = 0; i < 7; i++)
		labels[i] = (char *)names[i];
	r = fl_csv_read(FL_DATA_DIR "/shuttle.csv", &c, err);
	FL_CHECK_EQ_INT(r, 0);
	if (r != 0) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	FL_CHECK_EQ_INT(c->nrows, 58000);
	FL_CHECK_EQ_INT(c->ncols, 10);
	FL_CHECK(strcmp(c->header[9], "Class") == 0);
	r = fl_dataset_from_csv(c, "Class", labels, 7, NULL, 0, &ds, err);
	FL_CHECK_EQ_INT(r, 0);
	if (ds != NULL) {
		FL_CHECK_EQ_INT(ds->d, 9);
		for (size_t i = 0; i < ds->n; i++)
			hist[(int)ds->y[i]]++;
		for (int i = 0; i < 7; i++)
			FL_CHECK_EQ_INT(hist[i], counts[i]);
	}
	printf("shuttle load: %lld ms\n", (long long)(fl_mono_ms() - t0));
	fl_dataset_free(ds);
	fl_csv_free(c);
	FL_CHECK_EQ_INT(fl_csv_read("/nonexistent/x.csv", &c, err), FL_E_IO);
}

/* [round] split = stratified: each class keeps round(f * n_c) test rows,
 * deterministically; the random split may drift on small data. */
static void test_split_stratified(void)
{
	fl_dataset all, *tr = NULL, *te = NULL, *tr2 = NULL, *te2 = NULL;
	double x[40], y[40];
	size_t per[2] = { 0, 0 };

	memset(&all, 0, sizeof(all));
	for (int i = 0; i < 40; i++) {
		x[i] = i;
		y[i] = i < 8 ? 1 : 0;   /* 8 rows of class 1, 32 of class 0 */
	}
	all.n = 40;
	all.d = 1;
	all.k = 2;
	all.x = x;
	all.y = y;
	FL_CHECK_EQ_INT(fl_dataset_split_stratified(&all, 0.25, 3, &tr, &te), 0);
	FL_CHECK(tr && te && te->n == 10 && tr->n == 30);
	for (size_t i = 0; te && i < te->n; i++)
		per[(int)te->y[i]]++;
	FL_CHECK_EQ_INT(per[0], 8);
	FL_CHECK_EQ_INT(per[1], 2);
	for (size_t i = 1; te && i < te->n; i++)   /* file order kept */
		FL_CHECK(te->x[i] > te->x[i - 1]);
	FL_CHECK_EQ_INT(fl_dataset_split_stratified(&all, 0.25, 3, &tr2, &te2), 0);
	FL_CHECK(te && te2 && te->n == te2->n &&
		 memcmp(te->x, te2->x, te->n * sizeof(double)) == 0);
	fl_dataset_free(tr);
	fl_dataset_free(te);
	fl_dataset_free(tr2);
	fl_dataset_free(te2);
	all.k = 0;   /* regression: no classes to stratify */
	FL_CHECK_EQ_INT(fl_dataset_split_stratified(&all, 0.25, 3, &tr, &te), FL_E_INVAL);
	all.k = 2;
	y[3] = 2;    /* not a class id */
	FL_CHECK_EQ_INT(fl_dataset_split_stratified(&all, 0.25, 3, &tr, &te), FL_E_INVAL);
}

int main(void)
{
	test_quoting();
	test_errors();
	test_labels();
	test_split_append();
	test_split_stratified();
	test_shuttle();
	return FL_TEST_DONE();
}

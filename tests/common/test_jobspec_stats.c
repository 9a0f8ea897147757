/* SPDX-License-Identifier: Apache-2.0 */
/* test_jobspec_stats: [job] type = stats (statistics-only jobs): defaults,
 * validation, canonical round trip, and training specs unchanged. */
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_test.h"
#include "fl_util.h"

static int parse(const char *s, fl_jobspec *js, char *err)
{
	err[0] = '\0';
	return fl_jobspec_parse(s, strlen(s), js, err);
}

int main(void)
{
	char err[FL_ERRMSG_BYTES];
	char *text = NULL, *text2 = NULL;
	fl_jobspec js, back;

	/* no model, no rounds: softmax with labels, test_fraction 0 */
	FL_CHECK_EQ_INT(parse("[job]\nname = s\ntype = stats\ndataset = d\nlabel = y\n"
			      "labels = a, b, c\nfeatures = f1, f2\n", &js, err), 0);
	FL_CHECK(js.stats_only);
	FL_CHECK_EQ_INT(js.model, FL_MODEL_SOFTMAX);
	FL_CHECK(js.test_fraction == 0.0);
	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &text), 0);
	FL_CHECK(text && strstr(text, "type = stats\n") != NULL);
	FL_CHECK_EQ_INT(parse(text, &back, err), 0);
	FL_CHECK(back.stats_only && back.model == FL_MODEL_SOFTMAX &&
		 back.test_fraction == 0.0 && back.nfeatures == 2 && back.nlabels == 3);
	FL_CHECK_EQ_INT(fl_jobspec_format(&back, &text2), 0);
	FL_CHECK(text2 && strcmp(text, text2) == 0);
	fl_jobspec_clear(&back);
	fl_jobspec_clear(&js);
	free(text);
	free(text2);
	text = text2 = NULL;

	/* regression statistics: linear; an explicit test_fraction is kept */
	FL_CHECK_EQ_INT(parse("[job]\nname = s\ntype = stats\ndataset = d\nlabel = y\n"
			      "features = f1\n[round]\ntest_fraction = 0.2\n", &js, err), 0);
	FL_CHECK(js.stats_only && js.model == FL_MODEL_LINEAR && js.test_fraction == 0.2);
	fl_jobspec_clear(&js);

	/* a training spec still needs its model and a test split */
	FL_CHECK_EQ_INT(parse("[job]\nname = t\ndataset = d\nlabel = y\nfeatures = f1\n",
			      &js, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "'model'") != NULL);
	FL_CHECK_EQ_INT(parse("[job]\nname = t\ntype = train\ndataset = d\nmodel = linear\n"
			      "label = y\n[round]\ntest_fraction = 0\n", &js, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "test_fraction") != NULL);
	FL_CHECK_EQ_INT(parse("[job]\nname = t\ntype = train\ndataset = d\nmodel = linear\n"
			      "label = y\n", &js, err), 0);
	FL_CHECK(!js.stats_only);
	FL_CHECK_EQ_INT(fl_jobspec_format(&js, &text), 0);
	FL_CHECK(text && strstr(text, "type") == NULL);   /* canonical text unchanged */
	free(text);
	fl_jobspec_clear(&js);

	/* bad values */
	FL_CHECK_EQ_INT(parse("[job]\nname = s\ntype = stat\ndataset = d\nlabel = y\n",
			      &js, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "'type' must be train or stats") != NULL);
	FL_CHECK_EQ_INT(parse("[job]\nname = s\ntype = stats\ntype = stats\ndataset = d\n"
			      "label = y\n", &js, err), FL_E_SPEC);
	FL_CHECK(strstr(err, "duplicate") != NULL);
	FL_CHECK_EQ_INT(parse("[job]\nname = s\ntype = stats\ndataset = d\nlabel = y\n"
			      "labels = a\n", &js, err), FL_E_SPEC);   /* 1 label: linear */
	return FL_TEST_DONE();
}

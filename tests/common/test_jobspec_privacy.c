/* SPDX-License-Identifier: Apache-2.0 */
/* test_jobspec_privacy: the [privacy] section of a job spec
 * (common/fl_jobspec_privacy.c): values, defaults, the canonical text
 * parses back equal, and every bad or missing value is refused with a
 * message naming the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_err.h"
#include "fl_jobspec.h"
#include "fl_test.h"

#define BASE "[job]\nname = j\ndataset = d\nmodel = logistic\nlabel = y\n" \
	"labels = 0, 1\nfeatures = a, b\nrounds = 5\n"

/* Parses BASE + tail; returns the status, message in msg. */
static int parse(const char *tail, fl_jobspec *s, char *msg)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s%s", BASE, tail);
	memset(s, 0, sizeof(*s));
	msg[0] = '\0';
	return fl_jobspec_parse(text, strlen(text), s, msg);
}

static void refused(const char *tail, const char *want)
{
	fl_jobspec s;
	char msg[FL_ERRMSG_BYTES];
	int r = parse(tail, &s, msg);

	FL_CHECK_EQ_INT(r, FL_E_SPEC);
	if (r == 0)
		fl_jobspec_clear(&s);
	if (!strstr(msg, want))
		fprintf(stderr, "message '%s' lacks '%s'\n", msg, want);
	FL_CHECK(strstr(msg, want) != NULL);
}

int main(void)
{
	fl_jobspec s, t;
	char msg[FL_ERRMSG_BYTES], *text = NULL;

	/* no section: no DP, and the canonical text has none */
	FL_CHECK_EQ_INT(parse("", &s, msg), 0);
	FL_CHECK(!s.dp);
	FL_CHECK(!fl_jobspec_privacy_has_epsilon(&s));
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &text), 0);
	FL_CHECK(text && strstr(text, "[privacy]") == NULL);
	free(text);
	fl_jobspec_clear(&s);

	/* epsilon: delta defaults to 1e-6 */
	FL_CHECK_EQ_INT(parse("[privacy]\nunit = site\nl2_clip = 0.5\nepsilon = 8\n",
			      &s, msg), 0);
	FL_CHECK(s.dp);
	FL_CHECK_NEAR(s.dp_epsilon, 8, 0);
	FL_CHECK_NEAR(s.dp_l2_clip, 0.5, 0);
	FL_CHECK_NEAR(s.dp_delta, 1e-6, 0);
	FL_CHECK(fl_jobspec_privacy_has_epsilon(&s));
	FL_CHECK(!fl_jobspec_privacy_has_noise(&s));
	/* the canonical text parses back to the same values */
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &text), 0);
	FL_CHECK(text && strstr(text, "\n[privacy]\n") != NULL);
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &t, msg), 0);
	FL_CHECK(t.dp && t.dp_epsilon == 8 && t.dp_l2_clip == 0.5 &&
		 t.dp_delta == 1e-6 && fl_jobspec_privacy_has_epsilon(&t) &&
		 !fl_jobspec_privacy_has_noise(&t));
	free(text);
	fl_jobspec_clear(&t);
	fl_jobspec_clear(&s);

	/* noise_multiplier alone, and both with a delta */
	FL_CHECK_EQ_INT(parse("[privacy]\nl2_clip = 2\nnoise_multiplier = 1.5\n",
			      &s, msg), 0);
	FL_CHECK(s.dp && s.dp_noise_mult == 1.5 && s.dp_epsilon == 0);
	FL_CHECK(fl_jobspec_privacy_has_noise(&s));
	fl_jobspec_clear(&s);
	FL_CHECK_EQ_INT(parse("[privacy]\nl2_clip = 2\nnoise_multiplier = 1.5\n"
			      "epsilon = 3\ndelta = 1e-5\n", &s, msg), 0);
	FL_CHECK(s.dp_delta == 1e-5 && s.dp_epsilon == 3 && s.dp_noise_mult == 1.5);
	FL_CHECK_EQ_INT(fl_jobspec_format(&s, &text), 0);
	FL_CHECK_EQ_INT(fl_jobspec_parse(text, strlen(text), &t, msg), 0);
	FL_CHECK(t.dp_delta == 1e-5 && t.dp_epsilon == 3 && t.dp_noise_mult == 1.5);
	free(text);
	fl_jobspec_clear(&t);
	fl_jobspec_clear(&s);

	/* refusals, each naming what is wrong */
	refused("[privacy]\nepsilon = 4\n", "'l2_clip' in [privacy] is required");
	refused("[privacy]\nl2_clip = 1\n", "needs 'epsilon'");
	refused("[privacy]\nl2_clip = 0\nepsilon = 4\n", "'l2_clip'");
	refused("[privacy]\nl2_clip = 1\nepsilon = -1\n", "'epsilon' in [privacy]");
	refused("[privacy]\nl2_clip = 1\nepsilon = 4\ndelta = 0.5\n", "'delta'");
	refused("[privacy]\nl2_clip = 1\nepsilon = 4\ndelta = 0\n", "'delta'");
	refused("[privacy]\nl2_clip = 1\nnoise_multiplier = 0\n", "'noise_multiplier'");
	refused("[privacy]\nl2_clip = 1\nepsilon = x\n", "finite number");
	refused("[privacy]\nl2_clip = 1\nepsilon = 4\nunit = record\n", "must be 'site'");
	refused("[privacy]\nl2_clip = 1\nepsilon = 4\nsigma = 1\n", "unknown key 'sigma'");
	refused("[privacy]\nl2_clip = 1\nepsilon = 4\nepsilon = 5\n", "duplicate key");
	/* a stats job needs bounds and max_rows, and no l2_clip */
	refused("type = stats\n[privacy]\nepsilon = 4\n", "need both 'bounds'");
	refused("type = stats\n[privacy]\nl2_clip = 1\nepsilon = 4\nmax_rows = 5\n"
		"bounds = 0:1\n", "'l2_clip' in [privacy] is for training jobs");
	return FL_TEST_DONE();
}

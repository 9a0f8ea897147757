/* SPDX-License-Identifier: Apache-2.0 */
/* test_agent_decline: why a site's data does not fit a job
 * (fl_agent_data_diagnose_csv): a missing label or feature column, rows
 * whose label is not one of the job's (counted, never shown), cells that
 * are not numbers; and that no cell value reaches the text. */
#include <stdio.h>
#include <string.h>

#include "fl_agent.h"
#include "fl_csv.h"
#include "fl_err.h"
#include "fl_test.h"

static const char csv_text[] =
	"a,b,y\n"
	"1,2,cat\n"
	"3,4,SECRETLABEL\n"
	"5,6,dog\n"
	"7,8,SECRETLABEL\n";

static enum fl_decline_reason diagnose(const char *spec_text, const char *data,
				       char *text, size_t cap)
{
	char msg[FL_ERRMSG_BYTES] = "";
	enum fl_decline_reason r = FL_DECLINE_NONE;
	fl_jobspec spec;
	fl_csv *csv = NULL;

	memset(&spec, 0, sizeof(spec));
	text[0] = '\0';
	FL_CHECK_EQ_INT(fl_jobspec_parse(spec_text, strlen(spec_text), &spec, msg), 0);
	FL_CHECK_EQ_INT(fl_csv_parse(data, strlen(data), &csv, msg), 0);
	if (csv && spec.label[0])
		r = fl_agent_data_diagnose_csv(&spec, csv, text, cap);
	fl_csv_free(csv);
	fl_jobspec_clear(&spec);
	return r;
}

#define SPEC(feat, label, labels) "[job]\nname = t\ndataset = d\nmodel = softmax\n" \
	"label = " label "\nlabels = " labels "\nfeatures = " feat "\nrounds = 1\n"

int main(void)
{
	char text[FL_MSG_DECLINE_TEXT_MAX + 1];

	FL_CHECK_EQ_INT(diagnose(SPEC("a, bb", "y", "cat, dog"), csv_text, text,
				 sizeof(text)), FL_DECLINE_COLUMN);
	FL_CHECK(strcmp(text, "feature column 'bb' is not in the data") == 0);
	FL_CHECK_EQ_INT(diagnose(SPEC("aa, bb", "y", "cat, dog"), csv_text, text,
				 sizeof(text)), FL_DECLINE_COLUMN);
	FL_CHECK(strcmp(text, "2 of the job's 2 feature columns are not in the data, "
			"the first 'aa'") == 0);
	FL_CHECK_EQ_INT(diagnose(SPEC("a, b", "z", "cat, dog"), csv_text, text,
				 sizeof(text)), FL_DECLINE_COLUMN);
	FL_CHECK(strstr(text, "label column 'z'") != NULL);
	/* two rows' labels are not the job's: counted, the value not shown */
	FL_CHECK_EQ_INT(diagnose(SPEC("a, b", "y", "cat, dog"), csv_text, text,
				 sizeof(text)), FL_DECLINE_LABEL);
	FL_CHECK(strcmp(text, "2 of 4 rows have a 'y' that is not one of the job's "
			"2 labels") == 0);
	FL_CHECK(strstr(text, "SECRET") == NULL);
	FL_CHECK_EQ_INT(diagnose(SPEC("a, b", "y", "cat, dog, SECRETLABEL"), csv_text,
				 text, sizeof(text)), FL_DECLINE_NONE);
	/* numeric labels match as numbers, as fl_dataset reads them */
	FL_CHECK_EQ_INT(diagnose(SPEC("a", "b", "2.0, 4, 6, 8"), csv_text, text,
				 sizeof(text)), FL_DECLINE_NONE);
	FL_CHECK_EQ_INT(diagnose(SPEC("a", "b", "2, 4"), csv_text, text,
				 sizeof(text)), FL_DECLINE_LABEL);
	FL_CHECK(strcmp(text, "2 of 4 rows have a 'b' that is not one of the job's "
			"2 labels") == 0);
	/* a used column with text cells: counted, not shown */
	FL_CHECK_EQ_INT(diagnose(SPEC("a, y", "b", "2, 4, 6, 8"), csv_text, text,
				 sizeof(text)), FL_DECLINE_DATA);
	FL_CHECK(strcmp(text, "4 of 4 cells of column 'y' are not numbers") == 0);
	FL_CHECK(strstr(text, "SECRET") == NULL && strstr(text, "cat") == NULL);
	/* a short buffer is cut, not overrun */
	FL_CHECK_EQ_INT(diagnose(SPEC("a, bb", "y", "cat, dog"), csv_text, text, 8),
			FL_DECLINE_COLUMN);
	FL_CHECK_EQ_INT(strlen(text), 7);
	return FL_TEST_DONE();
}

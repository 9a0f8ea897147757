/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_csv: fl_csv_parse, fl_dataset_from_csv and fl_specinit on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fl_csv.h"
#include "fl_dataset.h"
#include "fl_jobspec.h"
#include "fl_specinit.h"
#include "fl_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *labels[] = { "a", "b", "1", "2.5" };
	char err[FL_ERRMSG_BYTES];
	fl_csv *c = NULL;
	fl_dataset *ds = NULL, *tr = NULL, *te = NULL;

	if (fl_csv_parse((const char *)data, size, &c, err) != 0)
		return 0;
	if (c->ncols > 0) {
		const char *label = c->header[c->ncols - 1];
		/* classification with a fixed label set, then regression */
		if (fl_dataset_from_csv(c, label, labels, 4, NULL, 0, &ds, err) == 0 &&
		    fl_dataset_split(ds, 0.5, 1, &tr, &te) == 0)
			fl_dataset_append(tr, te);
		fl_dataset_free(ds);
		ds = NULL;
		if (fl_dataset_from_csv(c, label, NULL, 0, c->header, 1, &ds, err) == 0)
			fl_dataset_free(ds);
		/* job init: what it writes must parse as a spec */
		for (int m = 0; m < 2; m++) {
			fl_specinit_opts o = { label, m ? "mlp" : "softmax", "d", NULL, 0, false };
			fl_specinit_plan p;
			fl_jobspec js;
			char *text = NULL;

			if (fl_specinit_infer(c, &o, &p, err) != 0)
				continue;
			if (fl_specinit_write(c, &o, &p, &text, err) == 0) {
				if (fl_jobspec_parse(text, strlen(text), &js, err) != 0)
					abort();
				fl_jobspec_clear(&js);
			}
			free(text);
			fl_specinit_plan_clear(&p);
		}
	}
	fl_dataset_free(tr);
	fl_dataset_free(te);
	fl_csv_free(c);
	return 0;
}

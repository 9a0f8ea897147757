/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_jobspec: job spec parser; a parsed spec must format and parse back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fl_jobspec.h"
#include "fl_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[FL_ERRMSG_BYTES], *txt = NULL;
	fl_jobspec js, js2;

	if (fl_jobspec_parse((const char *)data, size, &js, err) != 0)
		return 0;
	if (fl_jobspec_format(&js, &txt) == 0) {
		/* The canonical form must always parse back to the same spec. */
		if (fl_jobspec_parse(txt, strlen(txt), &js2, err) != 0 ||
		    js2.nlabels != js.nlabels || js2.nfeatures != js.nfeatures ||
		    js2.seed != js.seed || js2.lr != js.lr ||
		    js2.sa_clip != js.sa_clip || js2.sa_bits != js.sa_bits)
			abort();
		fl_jobspec_clear(&js2);
		free(txt);
	}
	fl_jobspec_clear(&js);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_model: fl_model_decode; a decoded model must re-encode to the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fl_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fl_model *m = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	char *json = NULL;

	if (fl_model_decode(data, size, &m) != 0)
		return 0;
	if (fl_model_encode(m, &buf, &len) != 0 || len != size ||
	    memcmp(buf, data, size) != 0)
		abort();
	if (fl_model_to_json(m, &json) == 0)
		free(json);
	free(buf);
	fl_model_free(m);
	return 0;
}

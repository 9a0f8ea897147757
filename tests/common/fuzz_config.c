/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_config: agent (and coordinator) config parsers on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "fl_config.h"
#include "fl_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fl_agent_config a;
	static fl_coord_config c;
	char err[FL_ERRMSG_BYTES];

	if (fl_agent_config_parse((const char *)data, size, "/base", &a, err) == 0)
		(void)fl_agent_config_dataset(&a, "x");
	(void)fl_coord_config_parse((const char *)data, size, NULL, &c, err);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_wipe: wipe-then-free (see fl_wipe.h). */
#include <stdlib.h>
#include <sodium.h>
#include "fl_wipe.h"

void fl_wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	free(p);
}

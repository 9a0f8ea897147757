/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_csr: untrusted certificate requests (enrollment CSRs) through
 * fl_ca_csr_check and, when one passes, through issuing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fl_ca.h"
#include "fl_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fl_ca *ca;
	char cn[FL_NAME_BYTES], err[FL_ERRMSG_BYTES];
	char *cert = NULL;
	size_t len = 0;

	if (!ca && fl_ca_create("fuzz CA", 1, &ca) != 0)
		abort();
	if (fl_ca_csr_check((const char *)data, size, cn, sizeof(cn), err) == 0 &&
	    fl_ca_issue(ca, (const char *)data, size, "site1", "site", 1, NULL,
			&cert, &len, NULL, err) == 0 && (!cert || len == 0))
		abort();
	free(cert);
	return 0;
}

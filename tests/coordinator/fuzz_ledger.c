/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_ledger: the ledger export reader and entry parser (fedctl ledger
 * verify) on untrusted bytes. First byte even: one entry's JSON text;
 * odd: a whole export file against a throwaway CA. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_ledger.h"
#include "ctl_ledger_int.h"
#include "fl_err.h"
#include "fl_test_pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fl_test_ca ca;
	static int have_ca;
	ctl_ledger_fields f;
	ctl_ledger_result res;
	char *text, why[160];

	if (size < 1)
		return 0;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] % 2 == 0) {
		if (ctl_ledger_fields_parse(text, &f, why, sizeof(why)) == 0) {
			if (f.nsurvivors > FL_MSG_MAX_PARTICIPANTS || f.seq == 0)
				abort();
			ctl_ledger_fields_clear(&f);
		} else if (why[0] == '\0') {
			abort();   /* a refusal always says why */
		}
	} else {
		if (!have_ca && fl_test_ca_new("fuzz-ca", &ca) == 0)
			have_ca = 1;
		if (have_ca) {
			ctl_ledger_opts o = { ca.pem, ca.pem_len, NULL, NULL };

			if (ctl_ledger_verify(text, size - 1, &o, NULL, &res) != 0 &&
			    res.first_problem[0] == '\0' && res.problems)
				abort();
		}
	}
	free(text);
	return 0;
}

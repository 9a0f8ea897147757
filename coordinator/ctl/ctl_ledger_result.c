/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_ledger_result: a verification's problems: each printed, counted, and
 * the first kept. Below the entry check (ctl_ledger_verify.c) and the
 * records check (ctl_ledger_records.c). */
#include <stdarg.h>
#include <stdio.h>

#include "ctl_ledger_int.h"

void ctl_ledger_problem(ctl_ledger_result *res, FILE *log, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (res->problems++ == 0)
		snprintf(res->first_problem, sizeof(res->first_problem), "%s", line);
	if (log)
		fprintf(log, "%s\n", line);
}

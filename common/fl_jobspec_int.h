/* SPDX-License-Identifier: Apache-2.0 */
/* fl_jobspec_int: private to the job spec module (fl_jobspec*.c): the
 * [privacy] section's parser and formatter (fl_jobspec_privacy.c), which
 * fl_jobspec.c and fl_jobspec_format.c call. */
#ifndef FL_JOBSPEC_INT_H
#define FL_JOBSPEC_INT_H

#include "fl_jobspec.h"
#include "fl_sbuf_int.h"

/* One key of [privacy]: 0, or -1 with the reason in msg. */
int fl_jobspec_privacy_set(fl_jobspec *s, const char *name, const char *v,
			   char *msg);
/* After parsing: FL_E_SPEC with errmsg for a bad or incomplete section. */
int fl_jobspec_privacy_check(const fl_jobspec *s, char *errmsg);
void fl_jobspec_privacy_defaults(fl_jobspec *s);
/* Appends the section (nothing without [privacy]). */
void fl_jobspec_privacy_format(fl_sbuf *b, const fl_jobspec *s);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_sbuf_int: private growable text buffer for formatters (spec, JSON). */
#ifndef FL_SBUF_INT_H
#define FL_SBUF_INT_H

#include <stddef.h>

/* Zero-initialise. Errors are sticky: check once with fl_sbuf_finish. */
typedef struct fl_sbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;
} fl_sbuf;

void fl_sbuf_printf(fl_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* On success hands the NUL-terminated text to *out (caller frees) and
 * returns 0; otherwise frees it and returns FL_E_NOMEM. */
int fl_sbuf_finish(fl_sbuf *b, char **out);

#endif

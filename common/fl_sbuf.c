/* SPDX-License-Identifier: Apache-2.0 */
/* fl_sbuf: growable text buffer with sticky allocation errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fl_err.h"
#include "fl_sbuf_int.h"

void fl_sbuf_printf(fl_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = 1;
			return;
		}
		if (b->p != NULL && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = b->cap ? b->cap * 2 : 256;
		while (ncap < b->len + (size_t)n + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (np == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

int fl_sbuf_finish(fl_sbuf *b, char **out)
{
	if (b->err || b->p == NULL) {
		free(b->p);
		b->p = NULL;
		return FL_E_NOMEM;
	}
	*out = b->p;
	b->p = NULL;
	return 0;
}

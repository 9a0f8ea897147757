/* SPDX-License-Identifier: Apache-2.0 */
/* fl_json: strings written as JSON text to a stream. */
#include <stdbool.h>

#include "fl_json.h"

void fl_json_str(FILE *f, const char *s, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	bool short_esc = flags & FL_JSON_SHORT_ESC;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (short_esc && *p == '\n')
			fputs("\\n", f);
		else if (short_esc && *p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

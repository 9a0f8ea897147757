/* SPDX-License-Identifier: Apache-2.0 */
/* fl_csv: RFC 4180-style CSV reading into a table of strings. */
#ifndef FL_CSV_H
#define FL_CSV_H

#include <stddef.h>

#define FL_CSV_MAX_BYTES (1024u * 1024u * 1024u)
#define FL_CSV_MAX_COLS 4096u

/* A parsed CSV file: a header row and nrows rows of ncols cells each. */
typedef struct fl_csv {
	size_t ncols;
	size_t nrows;
	char **header;   /* ncols names, quotes removed, surrounding blanks trimmed */
	char **cells;    /* nrows * ncols, row-major; quotes removed */
} fl_csv;

/*
 * Parses CSV text (len bytes, need not be NUL-terminated). Handles quoted
 * fields with "" escapes and embedded commas/newlines, CRLF, a trailing
 * newline, and blank lines (skipped). A row with a different number of
 * fields than the header is an error naming its line number.
 * On success *out is a new table that the caller frees with fl_csv_free.
 * Errors: FL_E_CSV (detail in errmsg, FL_ERRMSG_BYTES, may be NULL),
 * FL_E_TOOBIG, FL_E_NOMEM.
 */
int fl_csv_parse(const char *text, size_t len, fl_csv **out, char *errmsg);
/* Reads and parses a file. Adds FL_E_IO to the errors above. */
int fl_csv_read(const char *path, fl_csv **out, char *errmsg);
/* Index of a header column by name, or -1. */
long fl_csv_column(const fl_csv *csv, const char *name);
void fl_csv_free(fl_csv *csv);

#endif

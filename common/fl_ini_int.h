/* SPDX-License-Identifier: Apache-2.0 */
/* fl_ini_int: private INI reader and value parsers for specs and configs. */
#ifndef FL_INI_INT_H
#define FL_INI_INT_H

#include <ini.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line fl_ini_read accepts (bytes, without the newline): a list
 * of 4096 names fits on one line. */
#define FL_INI_MAX_LINE 65536u
#define FL_INI_MAX_LINE_STR "65536"   /* the same, for messages */
/* Column at which canonical text (fl_jobspec_format) wraps long lists onto
 * continuation lines: kept at libinih's old limit so that the canonical
 * text of a spec does not change. */
#define FL_INI_WRAP_COLS 198u
/* Longest section or key name kept (longer ones are unknown anyway). */
#define FL_INI_MAX_NAME 64u

/*
 * Runs fl_ini_read over len bytes of text (a NUL-terminated copy is
 * made). Before that it refuses NUL bytes, lines longer than FL_INI_MAX_LINE
 * and lines that are neither blank, comment, [section], key = value nor an
 * indented continuation. The handler writes the reason for a failure into
 * hmsg (FL_ERRMSG_BYTES, first failure only) and returns 0. On failure
 * errmsg gets "where:line: reason" (or "line N: reason" if where is NULL)
 * and the result is code, FL_E_TOOBIG (len > max) or FL_E_NOMEM.
 */
int fl_ini_parse(const char *text, size_t len, size_t max, ini_handler h,
		 void *user, const char *hmsg, const char *where, int code,
		 char *errmsg);

/*
 * Reads NUL-terminated INI text in place (it is modified) in libinih's
 * dialect (comments ';' and '#', inline ';' after a blank, [section],
 * key = value or key: value, indented continuation lines that call h
 * again with the same key, a UTF-8 BOM), with no line-length limit.
 * h returns nonzero on success. Returns 0, or the number of the first
 * line that is malformed or that h refused (reading goes on after it).
 */
int fl_ini_read(char *text, ini_handler h, void *user);

/* Whole-string unsigned / finite double parsers: 0, or -1 if not a number
 * or outside [lo, hi]. */
int fl_ini_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
int fl_ini_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out);
int fl_ini_double(const char *s, double *out);
/* fl_ini_u32 for the value s of key: 0, or -1 with "'key' must be an
 * integer in lo..hi, not 's'" in msg (FL_ERRMSG_BYTES). */
int fl_ini_u32_key(char *msg, const char *key, uint32_t lo, uint32_t hi,
		   uint32_t *out, const char *s);
/* Copies s into dst (cap bytes); -1 if it does not fit. */
int fl_ini_copy(char *dst, size_t cap, const char *s);

#endif

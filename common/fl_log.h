/* SPDX-License-Identifier: Apache-2.0 */
/* fl_log: leveled, thread-safe logging to stderr. Never pass secrets. */
#ifndef FL_LOG_H
#define FL_LOG_H

#include <stddef.h>
#include <stdint.h>

enum fl_log_level { FL_LOG_DEBUG = 0, FL_LOG_INFO, FL_LOG_WARN, FL_LOG_ERROR };
enum fl_log_format { FL_LOG_TEXT = 0, FL_LOG_JSON };

/* Program name shown on every line, e.g. "coordinator". Not copied: pass a literal. */
void fl_log_set_prog(const char *prog);
void fl_log_set_level(enum fl_log_level level);
void fl_log_set_format(enum fl_log_format format);
/* Parses "debug", "info", "warn", "error"; returns 0 or FL_E_INVAL. */
int fl_log_level_parse(const char *s, enum fl_log_level *out);
/* Parses "text" or "json"; returns 0 or FL_E_INVAL. */
int fl_log_format_parse(const char *s, enum fl_log_format *out);

/*
 * What the calling thread is working on, shown as the job, round, attempt
 * and site fields of JSON lines (text lines are unchanged). Thread-local:
 * set it where a thread starts work on a round or a site's call and clear
 * it when done. job 0 / round 0 / attempt 0 / site NULL leave a field out.
 * site is copied (at most 63 bytes).
 */
void fl_log_ctx_set(uint64_t job, uint32_t round, uint32_t attempt, const char *site);
void fl_log_ctx_site(const char *site);      /* only the site; NULL clears */
void fl_log_ctx_clear(void);

/* Text: "2026-11-28T14:00:00.123Z prog LEVEL message\n" to stderr.
 * JSON: {"time":...,"level":"info","component":prog,"job":..,"round":..,
 * "attempt":..,"site":..,"message":...} and a newline. */
void fl_log(enum fl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Formats one JSON log line (with its newline) into buf (cap bytes,
 * truncating the message so the line stays valid JSON and fits; cap must
 * be at least 256). Strings are escaped: quotes, backslashes, control
 * characters as \uXXXX, and each byte of invalid UTF-8 as U+FFFD. Returns
 * the length written. Exposed for the unit test. */
size_t fl_log_json_line(char *buf, size_t cap, const char *stamp,
			enum fl_log_level level, const char *component,
			uint64_t job, uint32_t round, uint32_t attempt,
			const char *site, const char *message);

#define fl_debug(...) fl_log(FL_LOG_DEBUG, __VA_ARGS__)
#define fl_info(...) fl_log(FL_LOG_INFO, __VA_ARGS__)
#define fl_warn(...) fl_log(FL_LOG_WARN, __VA_ARGS__)
#define fl_error(...) fl_log(FL_LOG_ERROR, __VA_ARGS__)

#endif

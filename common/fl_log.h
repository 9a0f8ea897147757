/* SPDX-License-Identifier: Apache-2.0 */
/* fl_log: leveled, thread-safe logging to stderr. Never pass secrets. */
#ifndef FL_LOG_H
#define FL_LOG_H

enum fl_log_level { FL_LOG_DEBUG = 0, FL_LOG_INFO, FL_LOG_WARN, FL_LOG_ERROR };

/* Program name shown on every line, e.g. "coordinator". Not copied: pass a literal. */
void fl_log_set_prog(const char *prog);
void fl_log_set_level(enum fl_log_level level);
/* Parses "debug", "info", "warn", "error"; returns 0 or FL_E_INVAL. */
int fl_log_level_parse(const char *s, enum fl_log_level *out);
/* Writes "2026-11-28T14:00:00.123Z prog LEVEL message\n" to stderr. */
void fl_log(enum fl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define fl_debug(...) fl_log(FL_LOG_DEBUG, __VA_ARGS__)
#define fl_info(...) fl_log(FL_LOG_INFO, __VA_ARGS__)
#define fl_warn(...) fl_log(FL_LOG_WARN, __VA_ARGS__)
#define fl_error(...) fl_log(FL_LOG_ERROR, __VA_ARGS__)

#endif

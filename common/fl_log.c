/* SPDX-License-Identifier: Apache-2.0 */
/* fl_log: leveled, thread-safe logging to stderr with UTC timestamps. */
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fl_err.h"
#include "fl_log.h"

static pthread_mutex_t fl_log_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *fl_log_prog = "fedc";
static _Atomic int fl_log_min = FL_LOG_INFO;
static _Atomic int fl_log_fmt = FL_LOG_TEXT;

#define FL_LOG_SITE_BYTES 64
#define FL_LOG_LINE_BYTES 8192
/* What this thread works on (fl_log_ctx_set); shown in JSON lines. */
static _Thread_local struct {
	uint64_t job;
	uint32_t round, attempt;
	char site[FL_LOG_SITE_BYTES];
} fl_log_ctx;

static const char *const fl_log_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

void fl_log_set_prog(const char *prog)
{
	if (prog != NULL)
		fl_log_prog = prog;
}

void fl_log_set_level(enum fl_log_level level)
{
	fl_log_min = (int)level;
}

void fl_log_set_format(enum fl_log_format format)
{
	fl_log_fmt = (int)format;
}

int fl_log_format_parse(const char *s, enum fl_log_format *out)
{
	if (s == NULL || out == NULL)
		return FL_E_INVAL;
	if (strcmp(s, "text") == 0)
		*out = FL_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = FL_LOG_JSON;
	else
		return FL_E_INVAL;
	return 0;
}

void fl_log_ctx_set(uint64_t job, uint32_t round, uint32_t attempt, const char *site)
{
	fl_log_ctx.job = job;
	fl_log_ctx.round = round;
	fl_log_ctx.attempt = attempt;
	fl_log_ctx_site(site);
}

void fl_log_ctx_site(const char *site)
{
	snprintf(fl_log_ctx.site, sizeof(fl_log_ctx.site), "%s", site ? site : "");
}

void fl_log_ctx_clear(void)
{
	memset(&fl_log_ctx, 0, sizeof(fl_log_ctx));
}

int fl_log_level_parse(const char *s, enum fl_log_level *out)
{
	static const char *const lower[] = { "debug", "info", "warn", "error" };

	if (s == NULL || out == NULL)
		return FL_E_INVAL;
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, lower[i]) == 0) {
			*out = (enum fl_log_level)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*out = FL_LOG_WARN;
		return 0;
	}
	return FL_E_INVAL;
}

/* The JSON form: the message formatted first, then escaped into a line. */
static void fl_log_json(int lv, const char *stamp, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void fl_log_json(int lv, const char *stamp, const char *fmt, va_list ap)
{
	char msg[FL_LOG_LINE_BYTES], line[FL_LOG_LINE_BYTES * 2];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = fl_log_json_line(line, sizeof(line), stamp, (enum fl_log_level)lv,
			     fl_log_prog, fl_log_ctx.job, fl_log_ctx.round,
			     fl_log_ctx.attempt, fl_log_ctx.site, msg);
	pthread_mutex_lock(&fl_log_mu);
	fwrite(line, 1, n, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&fl_log_mu);
}

void fl_log(enum fl_log_level level, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[96];
	va_list ap;
	int lv = (int)level;

	if (lv < fl_log_min)
		return;
	if (lv < 0 || lv > 3)
		lv = 3;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000));
	if (fl_log_fmt == FL_LOG_JSON) {
		va_start(ap, fmt);
		fl_log_json(lv, stamp, fmt, ap);
		va_end(ap);
		return;
	}
	/* One lock around the whole line so lines from threads never interleave. */
	pthread_mutex_lock(&fl_log_mu);
	fprintf(stderr, "%s %s %s ", stamp, fl_log_prog, fl_log_names[lv]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&fl_log_mu);
}

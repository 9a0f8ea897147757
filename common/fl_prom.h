/* SPDX-License-Identifier: Apache-2.0 */
/* fl_prom: the Prometheus text exposition format (version 0.0.4): HELP and
 * TYPE lines, samples with escaped labels, and cumulative histograms. */
#ifndef FL_PROM_H
#define FL_PROM_H

#include <stddef.h>
#include <stdint.h>

#define FL_PROM_MAX_BUCKETS 20u

/* A text being written; errors are sticky and reported by
 * fl_prom_buf_finish. */
typedef struct fl_prom_buf fl_prom_buf;

/* A new empty text (caller frees it with fl_prom_buf_finish), or NULL. */
fl_prom_buf *fl_prom_buf_new(void);
/* Frees b; on success hands its NUL-terminated text to *out (caller frees)
 * and its length to *len (may be NULL). FL_E_NOMEM if a write failed. */
int fl_prom_buf_finish(fl_prom_buf *b, char **out, size_t *len);

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge,
 * histogram). Backslashes and newlines in help are escaped. */
void fl_prom_head(fl_prom_buf *b, const char *name, const char *type,
		  const char *help);
/* One sample: name{k1="v1",...} value. labels is NULL or a list of key,
 * value strings ended by NULL; values are escaped (\\, \", \n). */
void fl_prom_sample(fl_prom_buf *b, const char *name,
		    const char *const *labels, double value);

/* A histogram with fixed upper bounds (ascending, finite, at most
 * FL_PROM_MAX_BUCKETS). Not thread-safe: the owner holds a lock. */
typedef struct fl_prom_hist {
	const double *le;       /* upper bounds, not owned */
	size_t n;
	uint64_t counts[FL_PROM_MAX_BUCKETS + 1];  /* per bucket (+Inf last) */
	double sum;
	uint64_t count;
} fl_prom_hist;

/* Zeroes h and sets its bounds (n is cut to FL_PROM_MAX_BUCKETS). */
void fl_prom_hist_init(fl_prom_hist *h, const double *le, size_t n);
void fl_prom_hist_observe(fl_prom_hist *h, double v);
/* name_bucket{labels,le="..."} (cumulative, +Inf = count), name_sum,
 * name_count. The HELP/TYPE head is written by the caller, once. */
void fl_prom_hist_write(fl_prom_buf *b, const char *name,
			const char *const *labels, const fl_prom_hist *h);

#endif

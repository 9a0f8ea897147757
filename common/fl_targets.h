/* SPDX-License-Identifier: Apache-2.0 */
/* fl_targets: a list of coordinator addresses, "host1:443, host2:443", for
 * agents and fedctl that fail over between an active and a standby
 * coordinator. Each entry is a gRPC target (host:port, [v6]:port, or a
 * scheme such as dns:///name:port); the list is tried in order and, on
 * UNAVAILABLE, the caller moves to the next (fl_targets_next). */
#ifndef FL_TARGETS_H
#define FL_TARGETS_H

#include <stdint.h>

#define FL_TARGETS_MAX 8u
#define FL_TARGET_BYTES 256u

typedef struct fl_targets {
	char t[FL_TARGETS_MAX][FL_TARGET_BYTES];
	uint32_t n;    /* >= 1 after a successful parse */
	uint32_t cur;  /* index of the target in use */
} fl_targets;

/* Splits s at commas, trimming blanks. FL_E_CONFIG with errmsg (if not
 * NULL, FL_ERRMSG_BYTES) for an empty list or entry, an entry without a
 * port, an entry of FL_TARGET_BYTES or more, more than FL_TARGETS_MAX
 * entries, or one listed twice. */
int fl_targets_parse(const char *s, fl_targets *out, char *errmsg);
/* The target in use. */
const char *fl_targets_current(const fl_targets *t);
/* Moves to the next target (wrapping); returns it. */
const char *fl_targets_next(fl_targets *t);

#endif

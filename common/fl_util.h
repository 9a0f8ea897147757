/* SPDX-License-Identifier: Apache-2.0 */
/* fl_util: small helpers shared by every program (time, files, errmsg). */
#ifndef FL_UTIL_H
#define FL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size of the detail-message buffers that parsers fill on error. */
#define FL_ERRMSG_BYTES 256
#define FL_NAME_BYTES 64

/* Formats into errmsg (FL_ERRMSG_BYTES) if errmsg is not NULL. */
void fl_errmsg_set(char *errmsg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Milliseconds since the Unix epoch (wall clock) and a monotonic clock. */
int64_t fl_time_ms(void);
int64_t fl_mono_ms(void);
void fl_sleep_ms(uint32_t ms);

/* Reads a whole file (at most max bytes) into a NUL-terminated malloc'd
 * buffer that the caller frees. FL_E_IO, FL_E_TOOBIG or FL_E_NOMEM. */
int fl_file_read(const char *path, size_t max, char **out, size_t *len);
/* fl_strerror(r) for a failed fl_file_read(..., max, ...), except that
 * FL_E_TOOBIG says the limit: "larger than the limit of MAX bytes" (in buf,
 * which is returned). */
const char *fl_file_strerror(int r, size_t max, char *buf, size_t cap);
/* Writes buf atomically (temp file + rename) with the given mode; the
 * temp file is fsynced before the rename (the folder is not: callers that
 * need the new name to survive a power cut sync it themselves). */
int fl_file_write(const char *path, const void *buf, size_t len, unsigned mode);
/* The same without the fsync: readers see the old or the new content,
 * never a mix, but a power cut may lose the new one. For a state whose
 * loss is harmless. */
int fl_file_write_nosync(const char *path, const void *buf, size_t len,
			 unsigned mode);
/* Writes all len bytes of buf to fd, again after EINTR. FL_E_IO (errno
 * says why) if a write fails or writes nothing. */
int fl_fd_write_all(int fd, const void *buf, size_t len);
/* Syncs the directory dir (a new or renamed entry in it). FL_E_IO, errno
 * saying why, if it cannot be opened or synced. */
int fl_dir_sync(const char *dir);

/* Catches the daemons' stop signals, SIGINT, SIGTERM and SIGHUP, with
 * handler (no flags, nothing else blocked while it runs). */
void fl_stop_signals_catch(void (*handler)(int));

/* Parses the whole of s as a finite double: 0, or -1 (empty, trailing
 * text, not finite) with *out untouched. */
int fl_parse_double(const char *s, double *out);

/* Deterministic, non-cryptographic 64-bit mixer (splitmix64) for data
 * splits and SGD shuffles only. Never for keys, seeds or masks. */
uint64_t fl_mix64(uint64_t x);
typedef struct fl_rng { uint64_t s; } fl_rng;
void fl_rng_seed(fl_rng *r, uint64_t seed);
/* True if url ("scheme://user:password@host...") carries a password
 * before its host: such URLs are refused, as they would be seen in
 * configs, process lists and logs. */
bool fl_url_has_password(const char *url);

uint64_t fl_rng_next(fl_rng *r);
double fl_rng_uniform(fl_rng *r);   /* [0, 1) */
double fl_rng_normal(fl_rng *r);    /* standard normal */

#endif

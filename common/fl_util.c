/* SPDX-License-Identifier: Apache-2.0 */
/* fl_util: errmsg formatting, clocks, whole-file I/O and a splitmix64 RNG. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fl_err.h"
#include "fl_util.h"

void fl_errmsg_set(char *errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(errmsg, FL_ERRMSG_BYTES, fmt, ap);
	va_end(ap);
}

static int64_t fl_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fl_time_ms(void)
{
	return fl_clock_ms(CLOCK_REALTIME);
}

int64_t fl_mono_ms(void)
{
	return fl_clock_ms(CLOCK_MONOTONIC);
}

void fl_sleep_ms(uint32_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int fl_file_read(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = NULL;
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, got;
	int r = FL_E_IO;

	if (path == NULL || out == NULL)
		return FL_E_INVAL;
	f = fopen(path, "rb");
	if (f == NULL)
		goto out;
	for (;;) {
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			if (ncap > max + 2)
				ncap = max + 2;
			if (ncap <= n + 1) {
				r = FL_E_TOOBIG;
				goto out;
			}
			nb = realloc(buf, ncap);
			if (nb == NULL) {
				r = FL_E_NOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		got = fread(buf + n, 1, cap - 1 - n, f);
		n += got;
		if (n > max) {
			r = FL_E_TOOBIG;
			goto out;
		}
		if (got == 0) {
			if (ferror(f))
				goto out;
			break;
		}
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	if (len != NULL)
		*len = n;
	r = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	return r;
}

static int file_write(const char *path, const void *buf, size_t len,
		      unsigned mode, bool sync)
{
	char *tmp = NULL;
	size_t plen;
	int fd = -1, r = FL_E_IO;

	if (path == NULL || (buf == NULL && len > 0))
		return FL_E_INVAL;
	plen = strlen(path);
	tmp = malloc(plen + 16);
	if (tmp == NULL)
		return FL_E_NOMEM;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	if (fchmod(fd, (mode_t)mode) != 0 || fl_fd_write_all(fd, buf, len) != 0)
		goto out;
	if (sync && fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (r != 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	return r;
}

int fl_file_write(const char *path, const void *buf, size_t len, unsigned mode)
{
	return file_write(path, buf, len, mode, true);
}

int fl_file_write_nosync(const char *path, const void *buf, size_t len,
			 unsigned mode)
{
	return file_write(path, buf, len, mode, false);
}

int fl_fd_write_all(int fd, const void *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = write(fd, (const char *)buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return FL_E_IO;
		off += (size_t)w;
	}
	return 0;
}

int fl_dir_sync(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0, e;

	if (fd < 0)
		return FL_E_IO;
	if (fsync(fd) != 0)
		r = FL_E_IO;
	e = errno;
	close(fd);
	errno = e;   /* the sync's, not the close's */
	return r;
}

void fl_stop_signals_catch(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

uint64_t fl_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void fl_rng_seed(fl_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t fl_rng_next(fl_rng *r)
{
	uint64_t x = r->s;

	r->s += 0x9e3779b97f4a7c15ULL;
	return fl_mix64(x);
}

double fl_rng_uniform(fl_rng *r)
{
	return (double)(fl_rng_next(r) >> 11) * 0x1.0p-53;
}

double fl_rng_normal(fl_rng *r)
{
	double u1 = 1.0 - fl_rng_uniform(r);   /* (0, 1]: log is finite */
	double u2 = fl_rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

const char *fl_file_strerror(int r, size_t max, char *buf, size_t cap)
{
	if (r != FL_E_TOOBIG || buf == NULL || cap == 0)
		return fl_strerror(r);
	snprintf(buf, cap, "larger than the limit of %zu bytes", max);
	return buf;
}

bool fl_url_has_password(const char *url)
{
	const char *auth, *end, *at;

	if (url == NULL || (auth = strstr(url, "://")) == NULL)
		return false;
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (at = end; at > auth && at[-1] != '@'; at--)
		;
	return at > auth && memchr(auth, ':', (size_t)(at - 1 - auth)) != NULL;
}

int fl_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

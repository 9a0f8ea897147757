/* SPDX-License-Identifier: Apache-2.0 */
/* fl_prom_process: the process's own figures from /proc/self (RSS, open
 * file descriptors and sockets), for both daemons' /metrics. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fl_prom.h"
#include "fl_prom_process.h"

static double proc_rss_bytes(void)
{
	unsigned long long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	long page = sysconf(_SC_PAGESIZE);

	if (f == NULL)
		return -1;
	if (fscanf(f, "%llu %llu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (double)rss * (double)(page > 0 ? page : 4096);
}

/* Counts the open descriptors and those that are sockets. */
static void proc_fds(double *fds, double *socks)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[64], target[64];
	ssize_t n;

	*fds = 0;
	*socks = 0;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		(*fds)++;
		snprintf(path, sizeof(path), "/proc/self/fd/%.20s", e->d_name);
		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (strncmp(target, "socket:", 7) == 0)
				(*socks)++;
		}
	}
	closedir(d);
	/* the directory's own descriptor */
	if (*fds > 0)
		(*fds)--;
}

void fl_prom_process(fl_prom_buf *b, const char *prefix)
{
	char name[96];
	double fds, socks;

	proc_fds(&fds, &socks);
	fl_prom_head(b, "process_resident_memory_bytes", "gauge",
		     "Resident memory size in bytes.");
	fl_prom_sample(b, "process_resident_memory_bytes", NULL, proc_rss_bytes());
	fl_prom_head(b, "process_open_fds", "gauge",
		     "Number of open file descriptors.");
	fl_prom_sample(b, "process_open_fds", NULL, fds);
	snprintf(name, sizeof(name), "%s_open_connections", prefix);
	fl_prom_head(b, name, "gauge",
		     "Open sockets of the process (connections and listeners).");
	fl_prom_sample(b, name, NULL, socks);
}

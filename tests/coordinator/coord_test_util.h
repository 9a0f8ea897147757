/* SPDX-License-Identifier: Apache-2.0 */
/* coord_test_util: a throwaway database folder for coordinator tests. */
#ifndef COORD_TEST_UTIL_H
#define COORD_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Makes a temp folder and writes "<dir>/coord.db" into path. */
static inline int coord_test_db_path(char *dir, size_t dcap, char *path, size_t pcap)
{
	snprintf(dir, dcap, "/tmp/coordtest.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, pcap, "%s/coord.db", dir);
	return 0;
}

/* Removes the database and its WAL files, then the folder. */
static inline void coord_test_db_remove(const char *dir, const char *path)
{
	char p[600];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* agent_lock: one agent per state folder, hence per site certificate (R6). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "agent_int.h"
#include "fl_err.h"

#define LOCK_PID_BYTES 32

int agent_lock_take(const char *state_dir, int *fd, char *errmsg)
{
	char path[FL_PATH_BYTES + 16], pid[LOCK_PID_BYTES] = "";
	ssize_t got;
	int k, lfd = -1, r = FL_E_IO;

	if (!state_dir || !fd)
		return FL_E_INVAL;
	k = snprintf(path, sizeof(path), "%s/agent.lock", state_dir);
	if (k < 0 || (size_t)k >= sizeof(path)) {
		fl_errmsg_set(errmsg, "state_dir '%s' is too long", state_dir);
		return FL_E_TOOBIG;
	}
	/* Close-on-exec: an external trainer must not inherit (and keep) it. */
	if ((lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		fl_errmsg_set(errmsg, "cannot open %s: %s (does state_dir exist?)",
			      path, strerror(errno));
		goto out;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK) {
			got = pread(lfd, pid, sizeof(pid) - 1, 0);
			pid[got > 0 ? got : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			fl_errmsg_set(errmsg, "another fedc-agent (pid %s) already runs "
				      "with this state folder (%s is locked); one "
				      "agent runs per site certificate",
				      pid[0] ? pid : "unknown", path);
			r = FL_E_BUSY;
		} else {
			fl_errmsg_set(errmsg, "cannot lock %s: %s", path,
				      strerror(errno));
		}
		goto out;
	}
	/* The pid is for the message above only; the flock is the lock. */
	k = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(lfd, 0) != 0 || pwrite(lfd, pid, (size_t)k, 0) != k) {
		fl_errmsg_set(errmsg, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	*fd = lfd;
	lfd = -1;
	r = 0;
out:
	if (lfd >= 0)
		close(lfd);   /* also drops a lock taken here */
	return r;
}

void agent_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_net: bytes through the coordinator's connections, from the
 * kernel's TCP counters (tcp_info bytes_received / bytes_acked), so that the
 * wire bytes of TLS and HTTP/2 are counted as they are. The coordinator's
 * sockets are copied with pidfd_getfd (it is our child), as sock_diag is not
 * in every kernel. The copy of each connection is held until the
 * coordinator has closed its own, so that its final counts are read: agents
 * reopen their channel after a large upload, and the bytes since the last
 * sample would be lost otherwise. (The peer's FIN is unaffected; only a
 * close that the coordinator starts reaches the wire up to one sample
 * later.) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "bench_e2e.h"

#define NET_MAX_OWN 64

typedef struct net_conn {
	unsigned long inode;
	int fd;                 /* our copy of the coordinator's socket */
	uint64_t up, down;
	int seen;
} net_conn;

struct e2e_net {
	int port, pidfd;
	pid_t pid;
	net_conn *c;
	size_t n, cap;
	uint64_t closed_up, closed_down;   /* connections that went away */
};

int e2e_net_new(pid_t pid, int port, e2e_net **out)
{
	e2e_net *n = calloc(1, sizeof(*n));

	if (!n)
		return -1;
	n->port = port;
	n->pid = pid;
	n->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (n->pidfd < 0) {
		fprintf(stderr, "e2e: pidfd_open: %s: no byte counts\n", strerror(errno));
		free(n);
		return -1;
	}
	*out = n;
	return 0;
}

void e2e_net_free(e2e_net *n)
{
	if (!n)
		return;
	close(n->pidfd);
	for (size_t i = 0; i < n->n; i++)
		close(n->c[i].fd);
	free(n->c);
	free(n);
}

/* gRPC makes dual-stack sockets: 127.0.0.1 may be ::ffff:127.0.0.1. */
static int net_port(int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) :
		getsockname(fd, (struct sockaddr *)&ss, &len);

	if (r != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

/* Calls fn(fd number, inode, arg) for each socket among pid's fds (0:
 * this process). */
static int net_each_socket(pid_t pid, void (*fn)(int, unsigned long, void *),
			   void *arg)
{
	char dir[64];
	DIR *d;
	struct dirent *e;

	if (pid)
		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	else
		snprintf(dir, sizeof(dir), "/proc/self/fd");
	if (!(d = opendir(dir)))
		return -1;
	while ((e = readdir(d))) {
		char path[400], link[64];
		unsigned long ino;
		ssize_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((len = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) == 1)
			fn(atoi(e->d_name), ino, arg);
	}
	closedir(d);
	return 0;
}

typedef struct net_own {
	int port;
	uint16_t ports[NET_MAX_OWN];
	size_t n;
} net_own;

/* This process's client sockets to the port: their local ports. */
static void net_own_one(int fd, unsigned long ino, void *arg)
{
	net_own *o = arg;

	(void)ino;
	if (o->n < NET_MAX_OWN && net_port(fd, 1) == o->port) {
		int p = net_port(fd, 0);

		if (p > 0)
			o->ports[o->n++] = (uint16_t)p;
	}
}

typedef struct net_walk {
	e2e_net *n;
	net_own own;
} net_walk;

static net_conn *net_find(e2e_net *n, unsigned long inode)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->c[i].inode == inode)
			return &n->c[i];
	return NULL;
}

static net_conn *net_add(e2e_net *n, unsigned long inode, int fd)
{
	if (n->n == n->cap) {
		size_t nc = n->cap ? 2 * n->cap : 64;
		net_conn *c = realloc(n->c, nc * sizeof(*c));

		if (!c)
			return NULL;
		n->c = c;
		n->cap = nc;
	}
	memset(&n->c[n->n], 0, sizeof(n->c[0]));
	n->c[n->n].inode = inode;
	n->c[n->n].fd = fd;
	return &n->c[n->n++];
}

/* One of the coordinator's sockets: a connection seen before, or a new
 * accepted connection on the port that is not ours (then held). */
static void net_coord_one(int fdnum, unsigned long ino, void *arg)
{
	net_walk *w = arg;
	net_conn *c = net_find(w->n, ino);
	int fd, peer, mine = 0;

	if (c) {
		c->seen = 1;
		return;
	}
	if ((fd = (int)syscall(SYS_pidfd_getfd, w->n->pidfd, fdnum, 0)) < 0)
		return;
	if (net_port(fd, 0) != w->n->port || (peer = net_port(fd, 1)) < 0) {
		close(fd);   /* the listener, or another socket */
		return;
	}
	for (size_t j = 0; j < w->own.n; j++)
		mine |= peer == w->own.ports[j];
	if (mine || !(c = net_add(w->n, ino, fd))) {
		close(fd);
		return;
	}
	c->seen = 1;
}

static void net_read(net_conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_bytes_received) + 8) {
		c->up = ti.tcpi_bytes_received;
		c->down = ti.tcpi_bytes_acked;
	}
}

int e2e_net_sample(e2e_net *n, uint64_t *up, uint64_t *down)
{
	net_walk w;
	uint64_t u, d;
	size_t i;

	memset(&w, 0, sizeof(w));
	w.n = n;
	w.own.port = n->port;
	net_each_socket(0, net_own_one, &w.own);
	for (i = 0; i < n->n; i++)
		n->c[i].seen = 0;
	if (net_each_socket(n->pid, net_coord_one, &w) != 0)
		return -1;
	for (i = 0; i < n->n;) {
		net_read(&n->c[i]);
		if (n->c[i].seen) {
			i++;
			continue;
		}
		/* the coordinator closed it: these are its final figures */
		n->closed_up += n->c[i].up;
		n->closed_down += n->c[i].down;
		close(n->c[i].fd);
		n->c[i] = n->c[--n->n];
	}
	u = n->closed_up;
	d = n->closed_down;
	for (i = 0; i < n->n; i++) {
		u += n->c[i].up;
		d += n->c[i].down;
	}
	*up = u;
	*down = d;
	return 0;
}

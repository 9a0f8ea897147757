/* SPDX-License-Identifier: Apache-2.0 */
/* bench_e2e_net: bytes through the coordinator's connections, from the
 * kernel's TCP counters (sock_diag, tcp_info bytes_received / bytes_acked),
 * so that the wire bytes of TLS and HTTP/2 are counted as they are. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "bench_e2e.h"

#define NET_TCP_ESTABLISHED 1
#define NET_MAX_OWN 64

typedef struct net_conn {
	uint16_t peer_port;
	uint32_t inode;
	uint64_t up, down;
	int seen;
} net_conn;

struct e2e_net {
	int port;
	net_conn *c;
	size_t n, cap;
	uint64_t closed_up, closed_down;   /* connections that went away */
};

int e2e_net_new(int port, e2e_net **out)
{
	e2e_net *n = calloc(1, sizeof(*n));

	if (!n)
		return -1;
	n->port = port;
	*out = n;
	return 0;
}

void e2e_net_free(e2e_net *n)
{
	if (!n)
		return;
	free(n->c);
	free(n);
}

/* Inodes of this process's sockets. */
static size_t net_own_inodes(uint32_t *out, size_t cap)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	size_t k = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && k < cap) {
		char path[300], link[64];
		unsigned long ino;
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if ((len = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) == 1)
			out[k++] = (uint32_t)ino;
	}
	closedir(d);
	return k;
}

typedef struct net_sock {
	uint16_t sport, dport;
	uint32_t inode;
	uint64_t received, acked;
} net_sock;

/* Every established IPv4 TCP socket of this network namespace with its
 * byte counters into *out (malloc'd, *n entries). */
static int net_dump(net_sock **out, size_t *n)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[64 * 1024];
	net_sock *v = NULL;
	size_t k = 0, cap = 0;
	int fd, done = 0, r = -1;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) < 0)
		return -1;
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = AF_INET;
	msg.req.sdiag_protocol = IPPROTO_TCP;
	msg.req.idiag_states = 1u << NET_TCP_ESTABLISHED;
	msg.req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto out;
	while (!done) {
		int len = (int)recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			goto out;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			struct rtattr *a;
			int alen;

			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (k == cap) {
				size_t nc = cap ? 2 * cap : 256;
				net_sock *nv = realloc(v, nc * sizeof(*nv));

				if (!nv)
					goto out;
				v = nv;
				cap = nc;
			}
			memset(&v[k], 0, sizeof(v[k]));
			v[k].sport = ntohs(m->id.idiag_sport);
			v[k].dport = ntohs(m->id.idiag_dport);
			v[k].inode = m->idiag_inode;
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
			for (a = (struct rtattr *)(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				struct tcp_info ti;
				size_t need = offsetof(struct tcp_info, tcpi_bytes_received) + 8;
				size_t have = (size_t)RTA_PAYLOAD(a);

				if (a->rta_type != INET_DIAG_INFO || have < need)
					continue;
				memset(&ti, 0, sizeof(ti));
				memcpy(&ti, RTA_DATA(a), have < sizeof(ti) ? have : sizeof(ti));
				v[k].received = ti.tcpi_bytes_received;
				v[k].acked = ti.tcpi_bytes_acked;
			}
			k++;
		}
	}
	r = 0;
out:
	close(fd);
	if (r != 0) {
		free(v);
		return -1;
	}
	*out = v;
	*n = k;
	return 0;
}

static net_conn *net_find(e2e_net *n, uint16_t peer_port, uint32_t inode)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->c[i].peer_port == peer_port && n->c[i].inode == inode)
			return &n->c[i];
	if (n->n == n->cap) {
		size_t nc = n->cap ? 2 * n->cap : 64;
		net_conn *c = realloc(n->c, nc * sizeof(*c));

		if (!c)
			return NULL;
		n->c = c;
		n->cap = nc;
	}
	memset(&n->c[n->n], 0, sizeof(n->c[0]));
	n->c[n->n].peer_port = peer_port;
	n->c[n->n].inode = inode;
	return &n->c[n->n++];
}

int e2e_net_sample(e2e_net *n, uint64_t *up, uint64_t *down)
{
	uint32_t own[NET_MAX_OWN];
	uint16_t own_ports[NET_MAX_OWN];
	size_t nown = net_own_inodes(own, NET_MAX_OWN), nports = 0, ns = 0, i, j;
	net_sock *s = NULL;
	uint64_t u, d;

	if (net_dump(&s, &ns) != 0)
		return -1;
	/* this process's client sockets to the port: their local ports */
	for (i = 0; i < ns; i++)
		for (j = 0; j < nown && nports < NET_MAX_OWN; j++)
			if (s[i].inode == own[j] && s[i].dport == n->port)
				own_ports[nports++] = s[i].sport;
	for (i = 0; i < n->n; i++)
		n->c[i].seen = 0;
	for (i = 0; i < ns; i++) {
		net_conn *c;
		int mine = 0;

		if (s[i].sport != n->port)
			continue;   /* not the coordinator's side */
		for (j = 0; j < nports; j++)
			mine |= s[i].dport == own_ports[j];
		if (mine || !(c = net_find(n, s[i].dport, s[i].inode)))
			continue;
		c->up = s[i].received;
		c->down = s[i].acked;
		c->seen = 1;
	}
	free(s);
	/* closed connections: their last figures stay in the totals */
	for (i = 0; i < n->n;) {
		if (n->c[i].seen) {
			i++;
			continue;
		}
		n->closed_up += n->c[i].up;
		n->closed_down += n->c[i].down;
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

/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_admin: fedctl admin backup FILE: a consistent online copy of the
 * coordinator database (Control Backup, admin only), checked against the
 * SHA-256 the coordinator sends and written atomically (temp + rename,
 * 0600). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "ctl.h"
#include "fl_codec.h"
#include "fl_err.h"

#define BACKUP_TIMEOUT_MS 600000u   /* unless --timeout says otherwise */

typedef struct backup_rx {
	FILE *f;
	uint64_t total, got;
	uint32_t schema;
	uint8_t sha[FL_MSG_SHA256_BYTES];
	crypto_hash_sha256_state h;
} backup_rx;

/* Takes one chunk: the first sets size, digest and version; every other
 * must repeat them and continue the file. */
static int rx_feed(ctl_ctx *c, backup_rx *x, const fl_msg_backup_chunk *ch)
{
	if (x->total == 0) {
		x->total = ch->part.total_bytes;
		x->schema = ch->schema_version;
		memcpy(x->sha, ch->sha256, sizeof(x->sha));
	}
	if (ch->part.total_bytes != x->total || ch->schema_version != x->schema ||
	    sodium_memcmp(ch->sha256, x->sha, sizeof(x->sha)) != 0 ||
	    ch->part.offset != x->got) {
		fprintf(c->err, "fedctl: admin backup: the stream is inconsistent "
			"(chunk at %llu of %llu bytes)\n",
			(unsigned long long)ch->part.offset,
			(unsigned long long)ch->part.total_bytes);
		return CTL_EXIT_OTHER;
	}
	if (ch->part.len && fwrite(ch->part.data, 1, ch->part.len, x->f) != ch->part.len) {
		fprintf(c->err, "fedctl: admin backup: cannot write: %s\n", strerror(errno));
		return CTL_EXIT_OTHER;
	}
	crypto_hash_sha256_update(&x->h, ch->part.data ? ch->part.data :
				  (const uint8_t *)"", ch->part.len);
	x->got += ch->part.len;
	return 0;
}

static int rx_all(ctl_ctx *c, fl_rpc_stream *s, backup_rx *x)
{
	fl_msg_backup_chunk ch;
	uint8_t *msg = NULL;
	size_t mlen = 0;
	int r;

	while ((r = fl_rpc_stream_recv(s, &msg, &mlen)) == 0) {
		memset(&ch, 0, sizeof(ch));
		r = fl_codec_decode_backup_chunk(msg, mlen, &ch);
		free(msg);
		if (r != 0) {
			fprintf(c->err, "fedctl: admin backup: bad chunk from the "
				"coordinator: %s\n", fl_strerror(r));
			return CTL_EXIT_OTHER;
		}
		r = rx_feed(c, x, &ch);
		fl_msg_backup_chunk_clear(&ch);
		if (r != 0)
			return r;
	}
	return r == FL_E_EOF ? 0 : -1;   /* -1: the status tells why */
}

/* Checks the received file: complete, digest as announced, on disk. */
static int rx_check(ctl_ctx *c, backup_rx *x)
{
	uint8_t sha[FL_MSG_SHA256_BYTES];

	crypto_hash_sha256_final(&x->h, sha);
	if (x->total == 0 || x->got != x->total) {
		fprintf(c->err, "fedctl: admin backup: the stream ended at %llu of %llu "
			"bytes\n", (unsigned long long)x->got,
			(unsigned long long)x->total);
		return CTL_EXIT_OTHER;
	}
	if (sodium_memcmp(sha, x->sha, sizeof(sha)) != 0) {
		fprintf(c->err, "fedctl: admin backup: the copy's SHA-256 does not match "
			"the coordinator's: damaged in transit, not kept\n");
		return CTL_EXIT_OTHER;
	}
	if (fflush(x->f) != 0 || fsync(fileno(x->f)) != 0) {
		fprintf(c->err, "fedctl: admin backup: cannot write: %s\n", strerror(errno));
		return CTL_EXIT_OTHER;
	}
	return 0;
}

static int backup_fetch(ctl_ctx *c, backup_rx *x)
{
	fl_rpc_stream *s = NULL;
	fl_rpc_status st;
	uint8_t *req = NULL;
	size_t rlen = 0;
	uint32_t tried = 0;
	int zero = 0, r, rc;

	memset(&st, 0, sizeof(st));
	if ((rc = ctl_channel_open(c, "admin backup")) != 0)
		return rc;
	if ((r = fl_codec_encode_empty(&zero, &req, &rlen)) != 0)
		return ctl_report(c, "admin backup", r, NULL);
retry:
	if ((r = fl_rpc_stream_open(c->ch, FL_RPC_CTL_BACKUP,
				    c->timeout_ms == CTL_DEFAULT_TIMEOUT_MS ?
				    BACKUP_TIMEOUT_MS : c->timeout_ms, &s)) != 0 ||
	    (r = fl_rpc_stream_send(s, req, rlen)) != 0 ||
	    (r = fl_rpc_stream_close_send(s)) != 0)
		rc = -1;
	else
		rc = rx_all(c, s, x);
	if (s && (r = fl_rpc_stream_finish(s, &st)) != 0) {
		if (x->total == 0 && ctl_failover(c, &st, &tried)) {
			/* nothing received (no address, or a standby's
			 * refusal): the next coordinator of the list */
			fl_rpc_stream_free(s);
			s = NULL;
			memset(&st, 0, sizeof(st));
			goto retry;
		}
		rc = ctl_report(c, "admin backup", r, &st);
	} else if (!s)
		rc = ctl_report(c, "admin backup", r, NULL);
	else if (rc < 0)
		rc = ctl_report(c, "admin backup", FL_E_NET, NULL);
	fl_rpc_stream_free(s);
	free(req);
	return rc;
}

static int admin_backup(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1];
	char *tmp = NULL, hex[2 * FL_MSG_SHA256_BYTES + 1];
	backup_rx x;
	size_t n;
	int fd, rc;

	memset(&x, 0, sizeof(x));
	if ((rc = ctl_args_parse(c, "admin", self, argc, argv, NULL, 0, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	n = strlen(pos[0]) + sizeof(".tmp-XXXXXX");
	if ((tmp = malloc(n)) == NULL)
		return CTL_EXIT_OTHER;
	snprintf(tmp, n, "%s.tmp-XXXXXX", pos[0]);
	/* mkstemp: 0600, in FILE's folder, so that rename is atomic */
	if ((fd = mkstemp(tmp)) < 0 || (x.f = fdopen(fd, "wb")) == NULL) {
		fprintf(c->err, "fedctl: admin backup: cannot create %s: %s\n", tmp,
			strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return CTL_EXIT_OTHER;
	}
	crypto_hash_sha256_init(&x.h);
	if ((rc = backup_fetch(c, &x)) == 0 && (rc = rx_check(c, &x)) == 0) {
		if (fclose(x.f) != 0 || rename(tmp, pos[0]) != 0) {
			fprintf(c->err, "fedctl: admin backup: cannot write %s: %s\n",
				pos[0], strerror(errno));
			rc = CTL_EXIT_OTHER;
		}
		x.f = NULL;
	}
	if (x.f)
		fclose(x.f);
	if (rc != 0) {
		unlink(tmp);
		free(tmp);
		return rc;
	}
	free(tmp);
	sodium_bin2hex(hex, sizeof(hex), x.sha, sizeof(x.sha));
	if (c->json) {
		fprintf(c->out, "{\"file\":");
		ctl_json_str(c->out, pos[0]);
		fprintf(c->out, ",\"bytes\":%llu,\"schema_version\":%u,\"sha256\":\"%s\"}\n",
			(unsigned long long)x.total, x.schema, hex);
	} else {
		fprintf(c->out, "backup: %s, %llu bytes, schema version %u, sha256 %s "
			"(checked)\n", pos[0], (unsigned long long)x.total, x.schema, hex);
	}
	return 0;
}

const ctl_cmd ctl_admin_cmds[] = {
	{ "backup", admin_backup, "FILE",
	  "Write a consistent online copy of the coordinator database to FILE "
	  "(admin only). The coordinator copies it with SQLite's backup API a "
	  "few pages at a time while jobs keep running, checks the copy (PRAGMA "
	  "integrity_check) and streams it with its SHA-256, which fedctl checks "
	  "before it renames the file into place (mode 0600; FILE is replaced). "
	  "To restore, stop the coordinator and start it with FILE as "
	  "[coordinator] database (copy it there first): it resumes unfinished "
	  "jobs as after a restart. Default deadline 10 minutes (--timeout). "
	  "Given several coordinator addresses, it moves on to the next on "
	  "UNAVAILABLE (a standby) like every call. With a PostgreSQL database "
	  "the coordinator refuses: back that up with pg_dump." },
};
const size_t ctl_admin_ncmds = sizeof(ctl_admin_cmds) / sizeof(ctl_admin_cmds[0]);

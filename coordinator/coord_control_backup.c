/* SPDX-License-Identifier: Apache-2.0 */
/* coord_control_backup: Control Backup ('fedctl admin backup FILE'): a
 * consistent online copy of the database, made next to it while jobs run,
 * integrity-checked, then streamed with its SHA-256 and removed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "coord_service.h"
#include "coord_store.h"
#include "fl_codec.h"
#include "fl_err.h"
#include "fl_log.h"

#define BACKUP_CHUNK_BYTES (512u * 1024u)

/* The copy's size and SHA-256, read once before anything is sent. */
static int backup_digest(FILE *f, uint8_t *io, uint64_t *size,
			 uint8_t sha[static FL_MSG_SHA256_BYTES], char *errmsg)
{
	crypto_hash_sha256_state h;
	size_t n;

	*size = 0;
	crypto_hash_sha256_init(&h);
	while ((n = fread(io, 1, BACKUP_CHUNK_BYTES, f)) > 0) {
		crypto_hash_sha256_update(&h, io, n);
		*size += n;
	}
	if (ferror(f) || *size == 0 || fseek(f, 0, SEEK_SET) != 0) {
		fl_errmsg_set(errmsg, "cannot read the copy back");
		return FL_E_IO;
	}
	crypto_hash_sha256_final(&h, sha);
	return 0;
}

static int backup_stream(fl_rpc_call *call, FILE *f, uint8_t *io,
			 const fl_msg_backup_chunk *head, char *errmsg)
{
	fl_msg_backup_chunk ch = *head;
	uint64_t off = 0, total = head->part.total_bytes;
	uint8_t *buf = NULL;
	size_t n, len;
	int r;

	while (off < total) {
		n = fread(io, 1, BACKUP_CHUNK_BYTES, f);
		if (n == 0 || n > total - off) {
			fl_errmsg_set(errmsg, "the copy changed while it was sent");
			return FL_E_IO;
		}
		ch.part.offset = off;
		ch.part.data = io;
		ch.part.len = n;
		if ((r = fl_codec_encode_backup_chunk(&ch, &buf, &len)) != 0) {
			fl_errmsg_set(errmsg, "cannot encode a backup chunk: %s",
				      fl_strerror(r));
			return r;
		}
		if ((r = coord_svc_send(call, buf, len, errmsg)) != 0)
			return r;
		off += n;
	}
	return 0;
}

/* Admin only (coord_auth: not a viewer method). */
void coord_ctl_backup(fl_rpc_call *call, void *ctx)
{
	coord_service *svc = ctx;
	char msg[FL_ERRMSG_BYTES] = "", detail[160], hex[2 * FL_MSG_SHA256_BYTES + 1];
	coord_caller who;
	fl_msg_backup_chunk head;
	uint8_t *buf = NULL, *io = NULL;
	char *path = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int64_t t0 = fl_time_ms();
	int r, dummy;

	memset(&head, 0, sizeof(head));
	if ((r = coord_svc_begin(svc, call, &who, &buf, &len, msg)) != 0)
		goto out;
	if ((r = coord_svc_bad(fl_codec_decode_empty(buf, len, &dummy), "Empty",
			       msg)) != 0)
		goto out;
	if ((io = malloc(BACKUP_CHUNK_BYTES)) == NULL) {
		r = FL_E_NOMEM;
		fl_errmsg_set(msg, "out of memory");
		goto out;
	}
	if ((r = coord_store_backup_tmp(svc->st, &path, msg)) != 0) {
		fl_warn("backup for %s failed: %s", who.cn, msg);
		goto out;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		fl_errmsg_set(msg, "cannot open the copy: %s", strerror(errno));
		r = FL_E_IO;
		goto out;
	}
	if ((r = backup_digest(f, io, &head.part.total_bytes, head.sha256, msg)) != 0)
		goto out;
	head.schema_version = COORD_STORE_SCHEMA_VERSION;
	if ((r = backup_stream(call, f, io, &head, msg)) != 0) {
		fl_warn("backup for %s not sent: %s", who.cn, msg);
		goto out;
	}
	sodium_bin2hex(hex, sizeof(hex), head.sha256, sizeof(head.sha256));
	snprintf(detail, sizeof(detail), "%llu bytes, schema %u, sha256 %.16s",
		 (unsigned long long)head.part.total_bytes, head.schema_version, hex);
	coord_store_audit(svc->st, who.cn, "backup", detail, fl_time_ms());
	fl_info("database backup for %s: %llu bytes in %lld ms, sha256 %s", who.cn,
		(unsigned long long)head.part.total_bytes,
		(long long)(fl_time_ms() - t0), hex);
out:
	fl_rpc_call_finish(call, r, r ? msg : NULL);
	if (f)
		fclose(f);
	if (path) {
		unlink(path);
		free(path);
	}
	free(io);
	free(buf);
}

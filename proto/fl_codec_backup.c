/* SPDX-License-Identifier: Apache-2.0 */
/* fl_codec_backup: BackupChunk, the slices of a database copy (Backup). */
#include <stdlib.h>
#include <string.h>

#include "fl_codec.h"
#include "fl_codec_int.h"
#include "fl_err.h"

void fl_msg_backup_chunk_clear(fl_msg_backup_chunk *m)
{
	if (!m)
		return;
	fl_msg_chunk_clear(&m->part);
}

int fl_codec_encode_backup_chunk(const fl_msg_backup_chunk *in, uint8_t **buf,
				 size_t *len)
{
	Fedc__V1__BackupChunk m = FEDC__V1__BACKUP_CHUNK__INIT;

	if (!in || !buf || !len || (!in->part.data && in->part.len))
		return FL_E_INVAL;
	if (in->part.len > FL_MSG_CHUNK_MAX)
		return FL_E_TOOBIG;
	m.total_bytes = in->part.total_bytes;
	m.offset = in->part.offset;
	m.data.len = in->part.len;
	m.data.data = in->part.data;
	m.sha256.len = FL_MSG_SHA256_BYTES;
	m.sha256.data = (uint8_t *)in->sha256;
	m.schema_version = in->schema_version;
	return fl_codec_pack(&m.base, buf, len);
}

int fl_codec_decode_backup_chunk(const uint8_t *buf, size_t len,
				 fl_msg_backup_chunk *out)
{
	Fedc__V1__BackupChunk *m = NULL;
	uint8_t *data = NULL;
	int r;

	if (!out)
		return FL_E_INVAL;
	m = (void *)fl_codec_unpack(&fedc__v1__backup_chunk__descriptor, buf, len, &r);
	if (m == NULL)
		goto out;
	if (m->data.len > FL_MSG_CHUNK_MAX) {
		r = FL_E_TOOBIG;
		goto out;
	}
	/* a non-empty file, the slice inside it, a digest, a version */
	if (m->total_bytes == 0 || m->offset > m->total_bytes ||
	    m->data.len > m->total_bytes - m->offset ||
	    m->sha256.len != FL_MSG_SHA256_BYTES || m->schema_version == 0) {
		r = FL_E_RANGE;
		goto out;
	}
	if (m->data.len && (data = malloc(m->data.len)) == NULL) {
		r = FL_E_NOMEM;
		goto out;
	}
	if (m->data.len)
		memcpy(data, m->data.data, m->data.len);
	out->part.total_bytes = m->total_bytes;
	out->part.offset = m->offset;
	out->part.data = data;
	out->part.len = m->data.len;
	memcpy(out->sha256, m->sha256.data, FL_MSG_SHA256_BYTES);
	out->schema_version = m->schema_version;
	r = 0;
out:
	fl_codec_free(m ? &m->base : NULL);
	return r;
}

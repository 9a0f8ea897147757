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

/* A non-empty file, the slice inside it, a digest, a version: FL_E_RANGE. */
static int backup_slice_dec(const void *pb)
{
	const Fedc__V1__BackupChunk *m = pb;

	if (m->total_bytes == 0 || m->offset > m->total_bytes ||
	    m->data.len > m->total_bytes - m->offset ||
	    m->sha256.len != FL_MSG_SHA256_BYTES || m->schema_version == 0)
		return FL_E_RANGE;
	return 0;
}

#define BC fl_msg_backup_chunk
#define PBC Fedc__V1__BackupChunk
FL_CT_MESSAGE(backup_chunk_tab, fedc__v1__backup_chunk__descriptor, fl_msg_backup_chunk,
	FL_CT_DATA(BC, part.data, part.len, PBC, data, FL_MSG_CHUNK_MAX, 0),
	FL_CT_CHECK(NULL, backup_slice_dec),
	FL_CT_NUM(BC, part.total_bytes, PBC, total_bytes),
	FL_CT_NUM(BC, part.offset, PBC, offset),
	FL_CT_BYTES(BC, sha256, PBC, sha256, FL_E_RANGE, 0),
	FL_CT_NUM(BC, schema_version, PBC, schema_version));

FL_CODEC_TAB_FUNCS(backup_chunk, fl_msg_backup_chunk, backup_chunk_tab)

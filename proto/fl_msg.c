/* SPDX-License-Identifier: Apache-2.0 */
/* fl_msg: release what the plain message structs own (the structs that
 * have an fl_codec_tab table are cleared by it, next to the table). */
#include <stdlib.h>
#include <string.h>
#include "fl_msg.h"

void fl_msg_task_clear(fl_msg_task *m)
{
	if (!m)
		return;
	free(m->spec);
	m->spec = NULL;
	free(m->spec_cert);
	m->spec_cert = NULL;
	free(m->sa.names);
	m->sa.names = NULL;
}

char **fl_msg_names_dup(const char *const *names, uint32_t n)
{
	size_t bytes = (size_t)n * sizeof(char *), off;
	char **out;

	for (uint32_t i = 0; i < n; i++) {
		if (!names[i] || strlen(names[i]) >= FL_NAME_BYTES)
			return NULL;
		bytes += strlen(names[i]) + 1;
	}
	if (!(out = malloc(bytes ? bytes : 1)))
		return NULL;
	off = (size_t)n * sizeof(char *);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]) + 1;

		out[i] = (char *)out + off;
		memcpy(out[i], names[i], len);
		off += len;
	}
	return out;
}

void fl_msg_update_part_clear(fl_msg_update_part *m)
{
	if (!m)
		return;
	free(m->data);
	m->data = NULL;
	m->len = 0;
}

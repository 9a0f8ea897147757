/* SPDX-License-Identifier: Apache-2.0 */
/* fl_msg: release what the plain message structs own. */
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

void fl_msg_crl_clear(fl_msg_crl *m)
{
	if (!m)
		return;
	free(m->pem);
	m->pem = NULL;
}

void fl_msg_members_clear(fl_msg_members *m)
{
	if (!m)
		return;
	free(m->text);
	m->text = NULL;
}

void fl_msg_chunk_clear(fl_msg_chunk *m)
{
	if (!m)
		return;
	free(m->data);
	m->data = NULL;
	m->len = 0;
}

void fl_msg_update_part_clear(fl_msg_update_part *m)
{
	if (!m)
		return;
	free(m->data);
	m->data = NULL;
	m->len = 0;
}

void fl_msg_job_submit_clear(fl_msg_job_submit *m)
{
	if (!m)
		return;
	free(m->spec);
	m->spec = NULL;
	free(m->spec_cert);
	m->spec_cert = NULL;
}

void fl_msg_job_list_clear(fl_msg_job_list *m)
{
	if (!m)
		return;
	free(m->jobs);
	m->jobs = NULL;
	m->n = 0;
}

void fl_msg_round_info_clear(fl_msg_round_info *m)
{
	if (!m)
		return;
	free(m->participants);
	m->participants = NULL;
	m->nparticipants = 0;
}

void fl_msg_job_status_clear(fl_msg_job_status *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->rounds && i < m->nrounds; i++)
		fl_msg_round_info_clear(&m->rounds[i]);
	free(m->rounds);
	m->rounds = NULL;
	m->nrounds = 0;
	free(m->declines);
	m->declines = NULL;
	m->ndeclines = 0;
}

void fl_msg_site_list_clear(fl_msg_site_list *m)
{
	if (!m)
		return;
	free(m->sites);
	m->sites = NULL;
	m->n = 0;
}

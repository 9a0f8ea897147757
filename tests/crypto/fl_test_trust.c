/* SPDX-License-Identifier: Apache-2.0 */
/* fl_test_trust: a member list, context names and policy for test sites. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fl_pki.h"
#include "fl_test_trust.h"

int fl_test_trust_init(fl_test_trust *t, const fl_test_site *sites, uint32_t n,
		       uint32_t min_honest, uint32_t colluders)
{
	memset(t, 0, sizeof(*t));
	if (n == 0 || n >= FL_TEST_TRUST_MAX ||
	    !(t->members.items = calloc(n, sizeof(*t->members.items))))
		return -1;
	t->members.version = 1;
	t->members.count = n;
	for (uint32_t i = 0; i < n; i++) {
		fl_member *m = &t->members.items[i];
		fl_cert_info ci;

		if (fl_pki_cert_info(sites[i].cert_pem, sites[i].cert_len, &ci) != 0 ||
		    fl_pki_cert_pkhash(sites[i].cert_pem, sites[i].cert_len,
				       m->pkhash) != 0)
			return -1;
		snprintf(m->name, sizeof(m->name), "%s", ci.cn);
		snprintf(m->org, sizeof(m->org), "org-%.50s", ci.cn);
		snprintf(t->name[i], sizeof(t->name[i]), "%s", ci.cn);
		t->names[i] = t->name[i];
	}
	if (fl_members_check(&t->members, NULL) != 0)
		return -1;
	t->trust.members = &t->members;
	t->trust.names = t->names;
	t->trust.min_honest = min_honest;
	t->trust.colluders = colluders;
	return 0;
}

void fl_test_trust_free(fl_test_trust *t)
{
	if (t)
		fl_members_clear(&t->members);
}

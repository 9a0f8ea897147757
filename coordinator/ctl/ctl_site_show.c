/* SPDX-License-Identifier: Apache-2.0 */
/* ctl_site_show: fedctl site show NAME, what the coordinator knows of a
 * site (certificates, last seen, rounds taken part in). */
#include <inttypes.h>
#include <string.h>

#include "ctl.h"
#include "fl_codec_events.h"

static void show_json(FILE *f, const fl_msg_site_detail *d)
{
	size_t i;

	fputs("{\"site\":", f);
	ctl_json_site_info(f, &d->site);
	ctl_json_kstr(f, "datasets", d->datasets);
	fputs(",\"certs\":[", f);
	for (i = 0; i < d->ncerts; i++) {
		fprintf(f, "%s{\"fingerprint\":", i ? "," : "");
		ctl_json_str(f, d->certs[i].fingerprint);
		ctl_json_kstr(f, "serial", d->certs[i].serial);
		fprintf(f, ",\"not_after_ms\":%" PRId64 ",\"first_seen_ms\":%" PRId64 "}",
			d->certs[i].not_after_ms, d->certs[i].first_seen_ms);
	}
	fprintf(f, "],\"rounds\":%u,\"jobs\":[", d->rounds);
	for (i = 0; i < d->njobs; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", d->jobs[i]);
	fputs("]}\n", f);
}

static void show_text(FILE *f, const fl_msg_site_detail *d)
{
	char t[32], u[32];
	size_t i;

	fprintf(f, "site:       %s (role %s)\n", d->site.name, d->site.role);
	fprintf(f, "added:      %s\n", ctl_fmt_time(d->site.added_ms, t, sizeof(t)));
	fprintf(f, "last seen:  %s (%s%s)\n", ctl_fmt_time(d->site.last_seen_ms, t, sizeof(t)),
		d->site.online ? "online" : "offline", d->site.revoked ? ", revoked" : "");
	fprintf(f, "datasets:   %s\n", d->datasets[0] ? d->datasets : "-");
	fprintf(f, "rounds:     %u finished rounds taken part in", d->rounds);
	for (i = 0; i < d->njobs; i++)
		fprintf(f, "%s%" PRIu64, i ? ", " : " (jobs ", d->jobs[i]);
	fprintf(f, "%s\ncertificates: %zu\n", d->njobs ? ")" : "", d->ncerts);
	for (i = 0; i < d->ncerts; i++)
		fprintf(f, "  serial %s, valid until %s, first seen %s\n    sha256 %s\n",
			d->certs[i].serial,
			ctl_fmt_time(d->certs[i].not_after_ms, t, sizeof(t)),
			ctl_fmt_time(d->certs[i].first_seen_ms, u, sizeof(u)),
			d->certs[i].fingerprint);
}

int ctl_site_show(ctl_ctx *c, const ctl_cmd *self, int argc, char **argv)
{
	const char *pos[1];
	fl_msg_site_add req;
	fl_msg_site_detail d;
	int rc;

	if ((rc = ctl_args_parse(c, "site", self, argc, argv, NULL, 0, pos, 1, 1)) != 0)
		return rc == CTL_HELP_SHOWN ? 0 : rc;
	memset(&req, 0, sizeof(req));
	if (strlen(pos[0]) >= sizeof(req.name)) {
		fprintf(c->err, "fedctl: site show: the name is too long\n");
		return CTL_EXIT_USAGE;
	}
	snprintf(req.name, sizeof(req.name), "%s", pos[0]);
	if ((rc = ctl_rpc(c, "site show", FL_RPC_CTL_GET_SITE, &ctl_msg_site_add, &req,
			  &ctl_msg_site_detail, &d)) != 0)
		return rc;
	if (c->json)
		show_json(c->out, &d);
	else
		show_text(c->out, &d);
	fl_msg_site_detail_clear(&d);
	return 0;
}

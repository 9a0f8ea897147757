/* SPDX-License-Identifier: Apache-2.0 */
/* fedctl's entry point: set up gRPC and run ctl_main. */
#include <signal.h>

#include "ctl.h"

int main(int argc, char **argv)
{
	ctl_ctx c;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	ctl_ctx_init(&c);
	fl_rpc_global_init();
	rc = ctl_main(&c, argc, argv);
	ctl_ctx_clear(&c);
	fl_rpc_global_shutdown();
	return rc;
}

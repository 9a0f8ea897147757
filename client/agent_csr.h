/* SPDX-License-Identifier: Apache-2.0 */
/* agent_csr: the 'fedc-agent csr' subcommand (site key + CSR, made here). */
#ifndef AGENT_CSR_H
#define AGENT_CSR_H

#define FL_PATH_MAX_BYTES 1100

/* argv[0] is "csr". Returns the process exit status (0, 1 or 2). */
int fl_agent_csr_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* agent_enroll: the 'fedc-agent enroll' subcommand (site key made here,
 * certificate from the coordinator's online CA with a one-time token). */
#ifndef AGENT_ENROLL_H
#define AGENT_ENROLL_H

/* argv[0] is "enroll". Returns the process exit status: 0 enrolled, 1
 * failed (unreachable, refused, I/O), 2 usage, wrong CA file or existing
 * files. */
int fl_agent_enroll_main(int argc, char **argv);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_prom_process: process figures (/proc/self) in the Prometheus format. */
#ifndef FL_PROM_PROCESS_H
#define FL_PROM_PROCESS_H

#include "fl_prom.h"

/* process_resident_memory_bytes, process_open_fds and
 * PREFIX_open_connections (sockets open), with HELP and TYPE. */
void fl_prom_process(fl_prom_buf *b, const char *prefix);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* bench: the fedc-bench subcommand table's handler signature and helpers. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

typedef int (*bench_fn)(int argc, char **argv);

int bench_secagg(int argc, char **argv);
void bench_secagg_help(void);
int bench_e2e(int argc, char **argv);
void bench_e2e_help(void);

/* Monotonic time in nanoseconds. */
int64_t bench_now_ns(void);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_wipe: wipe-then-free for heap buffers that held a secret (a key PEM,
 * shares, masks) or a site's plain values (OpenSSH freezero). */
#ifndef FL_WIPE_H
#define FL_WIPE_H

#include <stddef.h>

/* Overwrites the len bytes at p with zeros (sodium_memzero: not optimised
 * away), then frees p. NULL is a no-op. */
void fl_wipe_free(void *p, size_t len);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_json: strings written as JSON text to a stream. */
#ifndef FL_JSON_H
#define FL_JSON_H

#include <stdio.h>

#define FL_JSON_SHORT_ESC 1u   /* newline and tab as \n and \t */

/* Writes s to f as a JSON string, quotes included: '"' and '\\' after a
 * backslash, other control bytes and DEL as \u00XX (newline and tab as \n
 * and \t with FL_JSON_SHORT_ESC), every other byte as it is. Without the
 * flag the bytes are the round ledger's canonical form, which its hashes
 * cover: do not change them. */
void fl_json_str(FILE *f, const char *s, unsigned flags);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_csv_int: private CSV details shared with fl_dataset (row line numbers). */
#ifndef FL_CSV_INT_H
#define FL_CSV_INT_H

#include <stddef.h>
#include "fl_csv.h"

/* Physical line (header is line 1) where a row of a table made by
 * fl_csv_parse starts; 0 if row is out of range. */
size_t fl_csv_row_line(const fl_csv *csv, size_t row);

#endif

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# wide-csv.sh: a wide CSV for trying fedc on many columns: every numeric
# column x of INPUT (all but the last, the label) becomes four, x,
# sqrt(x), log(1 + x) and x / (1 + the next column); the label stays last.
# data/breast_cancer.csv (30 measurements) gives 120 features + label.
# The inputs must be >= 0 (breast_cancer's are).
# Usage: wide-csv.sh INPUT.csv > OUTPUT.csv
set -euo pipefail
in=${1:?usage: wide-csv.sh INPUT.csv > OUTPUT.csv}
awk -F, 'NR == 1 {
    h = s = l = r = ""
    for (i = 1; i < NF; i++) {
      h = h $i ","; s = s $i "_sqrt,"; l = l $i "_log,"; r = r $i "_ratio,"
    }
    print h s l r $NF; next }
  /^[ \t\r]*$/ { next }
  { h = s = l = r = ""
    for (i = 1; i < NF; i++) {
      j = i % (NF - 1) + 1
      h = h $i ","; s = s sprintf("%.6g,", sqrt($i))
      l = l sprintf("%.6g,", log(1 + $i)); r = r sprintf("%.6g,", $i / (1 + $j))
    }
    print h s l r $NF }' "$in"

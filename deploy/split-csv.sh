#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# split-csv.sh: deal a CSV's rows out to N site files, unevenly by class
# (non-IID), so each simulated factory sees a different mix.
# Usage: split-csv.sh INPUT.csv OUTDIR NSITES [WEIGHTS]
#   WEIGHTS: "label=w1:w2:...;label2=..." per-class shares per site; classes
#   not listed are dealt round-robin. The label is the last column.
# Writes OUTDIR/site1.csv .. OUTDIR/siteN.csv, each with the header.
set -euo pipefail
in=${1:?usage: split-csv.sh INPUT.csv OUTDIR NSITES [WEIGHTS]}
out=${2:?missing OUTDIR}
n=${3:?missing NSITES}
weights=${4:-}
mkdir -p "$out"
awk -v n="$n" -v weights="$weights" -v out="$out" -F, '
BEGIN {
  nw = split(weights, specs, ";")
  for (i = 1; i <= nw; i++) {
    if (specs[i] == "") continue
    eq = index(specs[i], "=")
    lab = substr(specs[i], 1, eq - 1)
    k = split(substr(specs[i], eq + 1), w, ":")
    tot = 0
    for (j = 1; j <= k; j++) { tot += w[j]; cum[lab, j] = tot }
    total[lab] = tot; nsh[lab] = k
  }
}
NR == 1 { for (s = 1; s <= n; s++) print > (out "/site" s ".csv"); next }
/^[ \t\r]*$/ { next }
{
  lab = $NF; gsub(/^[ \t"]+|[ \t"\r]+$/, "", lab)
  c = cnt[lab]++
  site = (c % n) + 1
  if (lab in total) {
    r = c % total[lab]
    for (j = 1; j <= nsh[lab]; j++) if (r < cum[lab, j]) { site = j; break }
  }
  print > (out "/site" site ".csv")
}' "$in"
for s in $(seq 1 "$n"); do
  echo "$(($(wc -l < "$out/site$s.csv") - 1)) rows -> $out/site$s.csv"
done

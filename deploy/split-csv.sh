#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# split-csv.sh: deal a CSV's rows out to N site files, unevenly by class
# (non-IID) by default, so each simulated factory sees a different mix.
# Usage: split-csv.sh INPUT.csv OUTDIR NSITES [WEIGHTS] [--alpha A] [--iid]
#                     [--seed S]
#   (default) non-IID: for each class (the last column's values) the shares
#     of the N sites are drawn from a symmetric Dirichlet distribution with
#     parameter A (--alpha, default 0.5; smaller is more uneven, large is
#     close to IID), with a floor of 1/(10 N) per site so that every site
#     gets some rows of every class; each row then goes to a site drawn
#     with its class's shares. --seed S (default 1) makes the draw
#     repeatable with the same awk (mawk and gawk draw differently).
#   --iid: the rows of each class are dealt round-robin (every site gets
#     the same mix): what tests with accuracy targets use.
#   WEIGHTS: "label=w1:w2:...;label2=..." fixed per-class shares per site;
#     classes not listed are dealt round-robin.
# Writes OUTDIR/site1.csv .. OUTDIR/siteN.csv, each with the header.
set -euo pipefail
usage="usage: split-csv.sh INPUT.csv OUTDIR NSITES [WEIGHTS] [--alpha A] [--iid] [--seed S]"
pos=() alpha=0.5 seed=1 iid=0
while [ $# -gt 0 ]; do
  case $1 in
  --alpha) alpha=${2:?$usage}; shift 2 ;;
  --seed) seed=${2:?$usage}; shift 2 ;;
  --iid) iid=1; shift ;;
  -h|--help) echo "$usage"; exit 0 ;;
  -*) echo "split-csv.sh: unknown option $1; $usage" >&2; exit 2 ;;
  *) pos+=("$1"); shift ;;
  esac
done
[ ${#pos[@]} -ge 3 ] && [ ${#pos[@]} -le 4 ] || { echo "$usage" >&2; exit 2; }
in=${pos[0]} out=${pos[1]} n=${pos[2]} weights=${pos[3]:-}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "split-csv.sh: NSITES must be a positive integer" >&2; exit 2; }
awk -v a="$alpha" 'BEGIN { exit !(a + 0 > 0 && a + 0 <= 1e6) }' ||
  { echo "split-csv.sh: --alpha must be a number in (0, 1e6]" >&2; exit 2; }
[[ $seed =~ ^[0-9]+$ ]] || { echo "split-csv.sh: --seed must be a non-negative integer" >&2; exit 2; }
[ -r "$in" ] || { echo "split-csv.sh: cannot read $in" >&2; exit 2; }
mkdir -p "$out"
mode=dirichlet
[ "$iid" = 1 ] && mode=iid
[ -n "$weights" ] && mode=weights
awk -v n="$n" -v weights="$weights" -v out="$out" -v mode="$mode" \
    -v alpha="$alpha" -v seed="$seed" -F, '
function rnorm() { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }
# Gamma(k, 1) by Marsaglia and Tsang; k < 1 through Gamma(k + 1) * U^(1/k).
function rgamma(k,   d, c, x, v, u) {
  if (k < 1) return rgamma(k + 1) * (1 - rand()) ^ (1 / k)
  d = k - 1 / 3; c = 1 / sqrt(9 * d)
  while (1) {
    do { x = rnorm(); v = 1 + c * x } while (v <= 0)
    v = v * v * v; u = 1 - rand()
    if (log(u) < 0.5 * x * x + d - d * v + d * log(v)) return d * v
  }
}
# Cumulative Dirichlet(alpha) shares of the n sites for a new class.
function draw(lab,   s, g, tot, acc) {
  tot = 0
  for (s = 1; s <= n; s++) { g[s] = rgamma(alpha); tot += g[s] }
  for (s = 1; s <= n; s++) { g[s] = g[s] / tot; if (g[s] < 0.1 / n) g[s] = 0.1 / n }
  tot = 0
  for (s = 1; s <= n; s++) tot += g[s]
  acc = 0
  for (s = 1; s <= n; s++) { acc += g[s] / tot; dcum[lab, s] = acc }
  drawn[lab] = 1
}
BEGIN {
  srand(seed)
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
  } else if (mode == "dirichlet") {
    if (!(lab in drawn)) draw(lab)
    u = rand(); site = n
    for (j = 1; j < n; j++) if (u < dcum[lab, j]) { site = j; break }
  }
  print > (out "/site" site ".csv")
}' "$in"
for s in $(seq 1 "$n"); do
  echo "$(($(wc -l < "$out/site$s.csv") - 1)) rows -> $out/site$s.csv"
done

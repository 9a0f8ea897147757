#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration: fedctl job report, rendered by a real browser.
# Three sites train a short logistic-regression job (3 rounds). Then
# 'fedctl job report' writes report.html (with --spec, checked against the
# ledger) and the curves as SVG, and headless Chromium (Debian's chromium)
# renders the HTML:
# - the file has no <script and no http:// or https:// reference;
# - the screenshot is a PNG of the asked size with real content (many
#   colours, not blank);
# - in the DOM Chromium built, each curve (train_loss, eval_loss,
#   accuracy, macro_f1) has one point per training round, the final
#   accuracy printed is 'job status --json''s, and the model digest and
#   ledger head are the ledger's;
# - an unknown job exits 4, an unwritable file 7, a spec that is not the
#   job's 6, a bad --format 2.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
chrome=$(command -v chromium || command -v chromium-browser || true)
for p in "$chrome" python3 jq; do
  [ -n "$p" ] && command -v "$p" >/dev/null || { echo "SKIPPED: chromium, python3 or jq not found (apt-get install chromium python3 jq)" >&2; exit 77; }
done

bash "$top/deploy/split-csv.sh" "$top/data/breast_cancer.csv" "$FL_WORK/data" 3 '0=6:2:2;1=2:3:5' >/dev/null
fl_pki site1 site2 site3
fl_start_coordinator
for s in site1 site2 site3; do fl_ctl site add "$s" >/dev/null; done
for s in site1 site2 site3; do fl_start_agent "$s" breast_cancer "$FL_WORK/data/$s.csv"; done

rounds=3
sed -e "s/^rounds = .*/rounds = $rounds/" -e 's/^timeout = .*/timeout = 10/' \
  -e 's/^name = .*/name = report-test/' \
  "$top/deploy/jobs/breast-cancer-logistic.ini" > "$FL_WORK/job.ini"
job=$(fl_ctl --json job submit "$FL_WORK/job.ini" | jq -r .job_id)
fl_ctl job watch "$job" > "$FL_WORK/watch.txt" || true
status=$(fl_ctl --json job status "$job")
it_check "the job finished" test "$(echo "$status" | jq -r .job.state)" = done
it_check "job watch printed plain lines when not on a terminal (no carriage return)" \
  sh -c "! grep -q \$'\\r' '$FL_WORK/watch.txt' && grep -q '^round  1/$rounds' '$FL_WORK/watch.txt'"
it_check "job watch labels the evaluation round 'eval'" grep -q '^eval ' "$FL_WORK/watch.txt"

html=$FL_WORK/report.html
it_check "job report writes report.html" fl_ctl job report "$job" -o "$html" --spec "$FL_WORK/job.ini"
it_check "job report --format svg writes the curves" \
  fl_ctl job report "$job" --format svg -o "$FL_WORK/curves.svg"
it_check "the SVG is one svg document with the points" \
  sh -c "head -c 200 '$FL_WORK/curves.svg' | grep -q '<svg' && grep -c 'class=\"pt\"' '$FL_WORK/curves.svg' | grep -qx $((4 * rounds))"
it_check "no <script in the report" sh -c "! grep -qi '<script' '$html'"
it_check "no http:// or https:// reference in the report" sh -c "! grep -qiE 'https?://' '$html'"
it_check "the spec text is in the report, checked" grep -q 'id="spec-text"' "$html"

# Errors: exit codes as the other fedctl commands use them.
set +e
fl_ctl job report 999999 -o "$FL_WORK/none.html" 2>"$FL_WORK/err.txt"; rc=$?
it_check "an unknown job exits 4 (got $rc) and writes no file" sh -c "[ $rc = 4 ] && [ ! -e '$FL_WORK/none.html' ]"
fl_ctl job report "$job" -o "$FL_WORK/no/such/dir/r.html" 2>"$FL_WORK/err.txt"; rc=$?
it_check "an unwritable file exits 7 (got $rc) with a message" \
  sh -c "[ $rc = 7 ] && grep -q 'cannot write' '$FL_WORK/err.txt'"
sed 's/^rounds = .*/rounds = 99/' "$FL_WORK/job.ini" > "$FL_WORK/other.ini"
fl_ctl job report "$job" --spec "$FL_WORK/other.ini" -o "$FL_WORK/o.html" 2>"$FL_WORK/err.txt"; rc=$?
it_check "a spec that is not the job's exits 6 (got $rc)" sh -c "[ $rc = 6 ] && grep -q 'not job' '$FL_WORK/err.txt'"
fl_ctl job report "$job" --format pdf 2>/dev/null; rc=$?
it_check "a bad --format exits 2 (got $rc)" test "$rc" = 2
set -e

# Headless Chromium: a screenshot and the DOM it built.
copts=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
  --user-data-dir="$FL_WORK/chromium" --window-size=1200,2000)
(cd "$FL_WORK" && timeout 60 "$chrome" "${copts[@]}" --screenshot="$FL_WORK/report.png" \
  "file://$html" >/dev/null 2>"$FL_WORK/chromium.log") || true
timeout 60 "$chrome" "${copts[@]}" --dump-dom "file://$html" >"$FL_WORK/dom.html" 2>>"$FL_WORK/chromium.log" || true
it_check "chromium wrote a screenshot" test -s "$FL_WORK/report.png"
it_check "the screenshot is a 1200x2000 PNG with content (many colours, not blank)" \
  python3 "$top/tests/integration/it_png_check.py" "$FL_WORK/report.png" 1200 2000
it_check "chromium dumped the DOM" grep -q 'id="final-metrics"' "$FL_WORK/dom.html"

# Count the points of each curve and read the printed figures from the DOM.
python3 - "$FL_WORK/dom.html" > "$FL_WORK/dom.json" <<'EOP'
import html.parser, json, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.pts = {}; self.ids = {}; self.cur = None; self.scripts = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script": self.scripts += 1
        if tag == "circle" and a.get("class") == "pt":
            self.pts.setdefault(a["data-curve"], []).append((int(a["data-round"]), float(a["data-value"])))
        if "id" in a: self.cur = a["id"]; self.ids.setdefault(self.cur, "")
    def handle_endtag(self, tag): self.cur = None
    def handle_data(self, d):
        if self.cur: self.ids[self.cur] += d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({"pts": p.pts, "ids": p.ids, "scripts": p.scripts}))
EOP
dom=$(cat "$FL_WORK/dom.json")
for c in train_loss eval_loss accuracy macro_f1; do
  got=$(echo "$dom" | jq --arg c "$c" '[.pts[$c][]?[0]] | unique | length')
  n=$(echo "$dom" | jq --arg c "$c" '.pts[$c] | length')
  it_check "curve $c has one point per round ($n points, $got rounds, want $rounds)" \
    sh -c "[ '$n' = $rounds ] && [ '$got' = $rounds ]"
done
it_check "no script element in the DOM" test "$(echo "$dom" | jq .scripts)" = 0
want=$(echo "$status" | jq -r '.job.metrics.accuracy' | awk '{ printf "%.4f", $1 }')
got=$(echo "$dom" | jq -r '.ids["final-accuracy"]')
it_check "the final accuracy printed ($got) is job status's ($want)" test "$got" = "$want"
# The last round's accuracy point is the final evaluation.
last=$(echo "$dom" | jq -r --argjson r $rounds '.pts.accuracy[] | select(.[0] == $r) | .[1]' | awk '{ printf "%.4f", $1 }')
it_check "the accuracy curve ends at the final accuracy ($last)" test "$last" = "$want"
fl_ctl ledger export --job "$job" -o "$FL_WORK/ledger.txt" >/dev/null
head_hash=$(tail -n 1 "$FL_WORK/ledger.txt" | cut -f2)
it_check "the ledger head printed is the job's last entry" \
  test "$(echo "$dom" | jq -r '.ids["ledger-head"]')" = "$head_hash"
it_check "the model digest printed is a SHA-256" \
  sh -c "echo '$(echo "$dom" | jq -r '.ids["model-sha256"]')' | grep -qE '^[0-9a-f]{64}$'"
it_done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fedctl's man page (deploy/man/fedctl.1) is what 'fedctl help --man'
# generates from the command tables: fails when a command changed and the
# page was not regenerated (fedctl help --man > deploy/man/fedctl.1). Where
# groff is installed, the page must also render without warnings.
source "$(dirname "$0")/it_lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)

"$FL_BIN/fedctl" help --man > "$FL_WORK/fedctl.1"
it_check "deploy/man/fedctl.1 is up to date ('fedctl help --man > deploy/man/fedctl.1')" \
  diff -u "$top/deploy/man/fedctl.1" "$FL_WORK/fedctl.1"
it_check "every command group is in it" \
  bash -c "for g in job model round ca crl site ledger audit admin stats; do grep -q \"^.SS \$g\$\" '$FL_WORK/fedctl.1' || exit 1; done"
it_check "the exit codes are in it" grep -q "permission denied or not authenticated" "$FL_WORK/fedctl.1"
if command -v groff >/dev/null; then
  warn=$(groff -man -Tutf8 -ww -z "$FL_WORK/fedctl.1" 2>&1)
  it_check "groff renders it without warnings${warn:+: $warn}" test -z "$warn"
fi
it_done

/* SPDX-License-Identifier: Apache-2.0 */
/* fl_testhooks: whether this build has the FEDC_TEST_* test hooks.
 *
 * The hooks (crash points, forced exits, a coordinator that serves revoked
 * sites, enrollment dumps) are compiled only into builds configured with
 * -DFL_TEST_HOOKS=ON (the test command's builds), as SQLite does with
 * SQLITE_TEST. A shipped binary has none, and none of their strings. */
#ifndef FL_TESTHOOKS_H
#define FL_TESTHOOKS_H

/* Printed after the version line by every binary's --version, so that
 * tests can tell a hook build from a shipped one (tests/integration/
 * it_lib.sh, it_need_hooks). Empty in shipped builds. */
#ifdef FL_TEST_HOOKS
#define FL_TESTHOOKS_VERSION_LINE "test hooks: on (a test build: never ship it)\n"
#else
#define FL_TESTHOOKS_VERSION_LINE ""
#endif

#endif

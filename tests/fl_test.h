/* SPDX-License-Identifier: Apache-2.0 */
/* fl_test: a tiny assert header for unit tests run by CTest. */
#ifndef FL_TEST_H
#define FL_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int fl_test_failures;
static int fl_test_checks;

#define FL_CHECK(cond) do { fl_test_checks++; if (!(cond)) { \
	fl_test_failures++; fprintf(stderr, "%s:%d: check failed: %s\n", \
	__FILE__, __LINE__, #cond); } } while (0)
#define FL_CHECK_EQ_INT(a, b) do { long long fl_a_ = (a), fl_b_ = (b); \
	fl_test_checks++; if (fl_a_ != fl_b_) { fl_test_failures++; \
	fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
	__LINE__, #a, fl_a_, #b, fl_b_); } } while (0)
#define FL_CHECK_NEAR(a, b, tol) do { double fl_a_ = (a), fl_b_ = (b); \
	fl_test_checks++; if (!(fabs(fl_a_ - fl_b_) <= (tol))) { \
	fl_test_failures++; fprintf(stderr, "%s:%d: %s = %.10g, expected %.10g +- %g\n", \
	__FILE__, __LINE__, #a, fl_a_, fl_b_, (double)(tol)); } } while (0)
/* Ends main: prints a summary and returns the exit status. */
#define FL_TEST_DONE() (printf("%d checks, %d failed\n", fl_test_checks, \
	fl_test_failures), fl_test_failures ? 1 : (fl_test_checks ? 0 : 1))

#endif

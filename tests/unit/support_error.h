/*  tests/unit/support_error.h - checks on refusals: a call that must fail
    with a reason (in the shared error slot, util/error.h) that names what
    was wrong. Part of cohort_test_support; include after cmocka.h. */
#ifndef TESTS_UNIT_SUPPORT_ERROR_H
#define TESTS_UNIT_SUPPORT_ERROR_H

#include <stdbool.h>

//  Fails the test unless refused is true (the call failed) and
//  util_last_error () holds needle. `what` names the case (the input, or
//  a short label) in the failure message.
void
    support_expect_refused (bool refused, const char *what, const char *needle);

#endif

/*  Unit tests for coordinator/state.c: the verdict on every kind of
    misdirected message (other study, stranger, late, future, wrong phase,
    duplicate) and completion. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "coordinator/state.h"

static void
test_verdicts (void **state)
{
    (void) state;
    coord_state_t st;
    memset (&st, 0, sizeof st);
    //  Idle: everything is for no study.
    assert_int_equal (coord_state_check (&st, "s1", 1, COORD_PHASE_COLLECT, 0), COORD_REJECT_STUDY);
    //  Round 5 collecting from slots 0 and 2.
    coord_state_enter (&st, "s1", 5, COORD_PHASE_COLLECT, 0x5, 1000);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_COLLECT, 0), COORD_OK);
    assert_int_equal (coord_state_check (&st, "s2", 5, COORD_PHASE_COLLECT, 0), COORD_REJECT_STUDY);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_COLLECT, 1),
                      COORD_REJECT_STRANGER);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_COLLECT, 64),
                      COORD_REJECT_STRANGER);
    assert_int_equal (coord_state_check (&st, "s1", 4, COORD_PHASE_COLLECT, 0), COORD_REJECT_LATE);
    assert_int_equal (coord_state_check (&st, "s1", 6, COORD_PHASE_COLLECT, 0),
                      COORD_REJECT_FUTURE);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_DECRYPT, 0), COORD_REJECT_PHASE);
    assert_false (coord_state_complete (&st));
    coord_state_mark (&st, 0);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_COLLECT, 0),
                      COORD_REJECT_DUPLICATE);
    assert_int_equal (coord_state_answers (&st), 1);
    assert_false (coord_state_complete (&st));
    coord_state_mark (&st, 2);
    coord_state_mark (&st, 99);     //  out of range: ignored
    assert_true (coord_state_complete (&st));
    assert_int_equal (coord_state_answers (&st), 2);
    //  Decrypt phase of the same round: answers cleared; an update is late.
    coord_state_enter (&st, "s1", 5, COORD_PHASE_DECRYPT, 0x1, 2000);
    assert_int_equal (coord_state_answers (&st), 0);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_COLLECT, 0), COORD_REJECT_PHASE);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_DECRYPT, 2),
                      COORD_REJECT_STRANGER);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_DECRYPT, 0), COORD_OK);
}

static void
test_texts (void **state)
{
    (void) state;
    coord_state_t st;
    coord_state_enter (&st, "s1", 3, COORD_PHASE_COLLECT, 1, 0);
    char buf [128];
    assert_string_equal (coord_verdict_text (COORD_REJECT_LATE, &st, 2, buf, sizeof buf),
                         "late: round 2 is over (current round 3)");
    assert_string_equal (coord_verdict_text (COORD_REJECT_DUPLICATE, &st, 3, buf, sizeof buf),
                         "duplicate: already received for round 3");
    assert_non_null (strstr (coord_verdict_text (COORD_REJECT_FUTURE, &st, 4, buf, sizeof buf),
                             "has not started"));
    assert_non_null (strstr (coord_verdict_text (COORD_REJECT_PHASE, &st, 3, buf, sizeof buf),
                             "late"));
    assert_non_null (strstr (coord_verdict_text (COORD_REJECT_STUDY, &st, 3, buf, sizeof buf),
                             "wrong study"));
    assert_non_null (strstr (coord_verdict_text (COORD_REJECT_STRANGER, &st, 3, buf, sizeof buf),
                             "not a participant"));
    assert_string_equal (coord_verdict_text (COORD_OK, &st, 3, buf, sizeof buf), "accepted");
    //  A long study id is truncated to the field, not overrun.
    char id [200];
    memset (id, 'x', sizeof id - 1);
    id [sizeof id - 1] = 0;
    coord_state_enter (&st, id, 1, COORD_PHASE_OFFER, 1, 0);
    assert_int_equal (strlen (st.study_id), sizeof st.study_id - 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_verdicts),
        cmocka_unit_test (test_texts),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

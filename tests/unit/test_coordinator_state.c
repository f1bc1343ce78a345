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
    memset (&st, 0, sizeof st);
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
    assert_non_null (strstr (coord_verdict_text (COORD_SPARE, &st, 3, buf, sizeof buf),
                             "not needed"));
    //  A long study id is truncated to the field, not overrun.
    char id [200];
    memset (id, 'x', sizeof id - 1);
    id [sizeof id - 1] = 0;
    coord_state_enter (&st, id, 1, COORD_PHASE_OFFER, 1, 0);
    assert_int_equal (strlen (st.study_id), sizeof st.study_id - 1);
}

//  Whom to ask for partial decryptions: t at first from the round's
//  rotation point, more only when those asked cannot make up t.
static void
test_decrypt_asking (void **state)
{
    (void) state;
    //  Picks in slot order from `start`, wrapping, only from `from`.
    assert_int_equal (coord_state_pick (0x7, 2, 0, 3), 0x3);
    assert_int_equal (coord_state_pick (0x7, 2, 1, 3), 0x6);
    assert_int_equal (coord_state_pick (0x7, 2, 2, 3), 0x5);
    assert_int_equal (coord_state_pick (0x5, 2, 1, 3), 0x5);
    assert_int_equal (coord_state_pick (0x5, 5, 0, 3), 0x5);
    assert_int_equal (coord_state_pick (0x7, 0, 0, 3), 0);
    assert_int_equal (coord_state_pick (0xf, 2, 0, 100), 0x3);       //  n capped at 64
    coord_state_t st;
    memset (&st, 0, sizeof st);
    //  Round 4 of 3 sites (rotation point 1): slots 1 and 2 were asked.
    coord_state_enter (&st, "s1", 4, COORD_PHASE_DECRYPT, 0x6, 1000);
    assert_int_equal (coord_state_more (&st, 0x7, 0, 2, 3), 0);       //  both pending
    coord_state_mark (&st, 1);                                        //  1 failed its proof
    assert_int_equal (coord_state_more (&st, 0x7, 0, 2, 3), 0x1);     //  ask slot 0
    coord_state_extend (&st, 0x1);
    assert_int_equal (coord_state_more (&st, 0x7, 0, 2, 3), 0);
    coord_state_mark (&st, 0);
    coord_state_mark (&st, 2);
    assert_int_equal (coord_state_more (&st, 0x7, 1, 2, 3), 0);       //  nobody left
    assert_true (coord_state_complete (&st));
    //  Leaving the decrypt phase: asked and unanswered slots are spare.
    coord_state_enter (&st, "s1", 5, COORD_PHASE_DECRYPT, 0x3, 1000);
    coord_state_mark (&st, 0);
    coord_state_mark (&st, 1);
    coord_state_extend (&st, 0x4);                                    //  asked late
    coord_state_enter (&st, "s1", 6, COORD_PHASE_COLLECT, 0x7, 2000);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_DECRYPT, 2), COORD_SPARE);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_DECRYPT, 0),
                      COORD_REJECT_LATE);                             //  it had answered
    assert_int_equal (coord_state_check (&st, "s1", 4, COORD_PHASE_DECRYPT, 2),
                      COORD_REJECT_LATE);
    assert_int_equal (coord_state_check (&st, "s2", 5, COORD_PHASE_DECRYPT, 2),
                      COORD_REJECT_STUDY);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_COLLECT, 2),
                      COORD_REJECT_LATE);                             //  only partials
    coord_state_drop_spare (&st, 2);
    assert_int_equal (coord_state_check (&st, "s1", 5, COORD_PHASE_DECRYPT, 2),
                      COORD_REJECT_LATE);                             //  a second one is late
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_verdicts),
        cmocka_unit_test (test_texts),
        cmocka_unit_test (test_decrypt_asking),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

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

//  A set of the slots of a 64-bit mask, and back (slots past 63: none).
static coord_set_t
S (uint64_t mask)
{
    coord_set_t s = { { 0 } };
    s.w [0] = mask;
    return s;
}

static uint64_t
W (coord_set_t s)
{
    for (unsigned k = 1; k < COORD_SET_WORDS; k++)
        assert_int_equal (s.w [k], 0);
    return s.w [0];
}

static void
test_verdicts (void **state)
{
    (void) state;
    coord_state_t st;
    memset (&st, 0, sizeof st);
    //  Idle: everything is for no study.
    assert_int_equal (coord_state_check (&st, "s1", 1, COORD_PHASE_COLLECT, 0), COORD_REJECT_STUDY);
    //  Round 5 collecting from slots 0 and 2.
    coord_state_enter (&st, "s1", 5, COORD_PHASE_COLLECT, S (0x5), 1000);
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
    coord_state_mark (&st, 999);    //  out of range: ignored
    assert_true (coord_state_complete (&st));
    assert_int_equal (coord_state_answers (&st), 2);
    //  Decrypt phase of the same round: answers cleared; an update is late.
    coord_state_enter (&st, "s1", 5, COORD_PHASE_DECRYPT, S (0x1), 2000);
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
    coord_state_enter (&st, "s1", 3, COORD_PHASE_COLLECT, S (1), 0);
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
    coord_state_enter (&st, id, 1, COORD_PHASE_OFFER, S (1), 0);
    assert_int_equal (strlen (st.study_id), sizeof st.study_id - 1);
}

//  Whom to ask for partial decryptions: t at first from the round's
//  rotation point, more only when those asked cannot make up t.
static void
test_decrypt_asking (void **state)
{
    (void) state;
    //  Picks in slot order from `start`, wrapping, only from `from`.
    assert_int_equal (W (coord_state_pick (S (0x7), 2, 0, 3)), 0x3);
    assert_int_equal (W (coord_state_pick (S (0x7), 2, 1, 3)), 0x6);
    assert_int_equal (W (coord_state_pick (S (0x7), 2, 2, 3)), 0x5);
    assert_int_equal (W (coord_state_pick (S (0x5), 2, 1, 3)), 0x5);
    assert_int_equal (W (coord_state_pick (S (0x5), 5, 0, 3)), 0x5);
    assert_int_equal (W (coord_state_pick (S (0x7), 0, 0, 3)), 0);
    assert_int_equal (W (coord_state_pick (S (0xf), 2, 0, 100)), 0x3);   //  n capped at COORD_SLOTS
    coord_state_t st;
    memset (&st, 0, sizeof st);
    //  Round 4 of 3 sites (rotation point 1): slots 1 and 2 were asked.
    coord_state_enter (&st, "s1", 4, COORD_PHASE_DECRYPT, S (0x6), 1000);
    assert_int_equal (W (coord_state_more (&st, S (0x7), 0, 2, 3)), 0);       //  both pending
    coord_state_mark (&st, 1);                                        //  1 failed its proof
    assert_int_equal (W (coord_state_more (&st, S (0x7), 0, 2, 3)), 0x1);     //  ask slot 0
    coord_state_extend (&st, S (0x1));
    assert_int_equal (W (coord_state_more (&st, S (0x7), 0, 2, 3)), 0);
    coord_state_mark (&st, 0);
    coord_state_mark (&st, 2);
    assert_int_equal (W (coord_state_more (&st, S (0x7), 1, 2, 3)), 0);       //  nobody left
    assert_true (coord_state_complete (&st));
    //  Leaving the decrypt phase: asked and unanswered slots are spare.
    coord_state_enter (&st, "s1", 5, COORD_PHASE_DECRYPT, S (0x3), 1000);
    coord_state_mark (&st, 0);
    coord_state_mark (&st, 1);
    coord_state_extend (&st, S (0x4));                                    //  asked late
    coord_state_enter (&st, "s1", 6, COORD_PHASE_COLLECT, S (0x7), 2000);
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

//  Slots past 64 (a consortium of up to COORD_SLOTS sites).
static void
test_wide_sets (void **state)
{
    (void) state;
    coord_set_t a = coord_set_first (200), b = { { 0 } };
    assert_int_equal (coord_set_count (a), 200);
    assert_true (coord_set_has (a, 199));
    assert_false (coord_set_has (a, 200));
    assert_false (coord_set_has (a, COORD_SLOTS + 5));      //  out of range: not a member
    coord_set_add (&b, 130);
    coord_set_add (&b, 3);
    coord_set_add (&b, COORD_SLOTS);                        //  out of range: ignored
    assert_int_equal (coord_set_count (b), 2);
    assert_int_equal (coord_set_count (coord_set_minus (a, b)), 198);
    assert_int_equal (coord_set_count (coord_set_and (a, b)), 2);
    coord_set_del (&b, 130);
    assert_false (coord_set_has (b, 130));
    //  A phase of 150 participants completes when all have answered.
    coord_state_t st;
    memset (&st, 0, sizeof st);
    coord_state_enter (&st, "s1", 2, COORD_PHASE_COLLECT, coord_set_first (150), 1000);
    for (unsigned i = 0; i < 149; i++)
        coord_state_mark (&st, i);
    assert_false (coord_state_complete (&st));
    assert_int_equal (coord_state_check (&st, "s1", 2, COORD_PHASE_COLLECT, 149), COORD_OK);
    assert_int_equal (coord_state_check (&st, "s1", 2, COORD_PHASE_COLLECT, 150),
                      COORD_REJECT_STRANGER);
    coord_state_mark (&st, 149);
    assert_true (coord_state_complete (&st));
    assert_int_equal (coord_state_answers (&st), 150);
    //  Picking t of them from a rotation point past 64 wraps round.
    coord_set_t picked = coord_state_pick (coord_set_first (150), 3, 148, 150);
    assert_true (coord_set_has (picked, 148) && coord_set_has (picked, 149)
                 && coord_set_has (picked, 0));
    assert_int_equal (coord_set_count (picked), 3);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_verdicts),
        cmocka_unit_test (test_texts),
        cmocka_unit_test (test_wide_sets),
        cmocka_unit_test (test_decrypt_asking),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

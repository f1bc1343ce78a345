/*  Unit tests for coordinator/totp.c: the store's mode, enrolment and its
    refusals, and every verdict of coord_totp_check: unenrolled, missing,
    right, replayed (also after the store is reopened, as after a restart),
    wrong, the cooling-off after max_failures wrong codes and its end,
    sessions (opened by a right code, bound to the key, expiring). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "coordinator/totp.h"
#include "util/error.h"
#include "support_dir.h"

//  Two CURVE public keys in Z85 (any 40 characters of its alphabet).
#define S_ANA  "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define S_BOB  "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define S_T0   1700000000                   //  a time: step 56666666, 20 s into it
#define S_SESSION "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define S_OTHER   "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static const coord_totp_policy_t s_policy = { 3, 300, 900 };

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    char path [SUPPORT_DIR_MAX + 16];
    coord_totp_t *store;
    util_totp_key_t key;
} s_fix_t;

static int
s_setup (void **state)
{
    static s_fix_t fix;
    memset (&fix, 0, sizeof fix);
    if (support_dir_make (fix.dir, sizeof fix.dir, "totp"))
        return -1;
    snprintf (fix.path, sizeof fix.path, "%s/totp.db", fix.dir);
    static const uint8_t secret [20] = "12345678901234567890";
    if (util_totp_key_init (&fix.key, secret, 20, UTIL_TOTP_SHA1, 6)
    ||  !(fix.store = coord_totp_open (fix.path, true))
    ||  coord_totp_enrol (fix.store, "ana", S_ANA, &fix.key, false, S_T0))
        return -1;
    *state = &fix;
    return 0;
}

static int
s_teardown (void **state)
{
    s_fix_t *fix = *state;
    coord_totp_destroy (&fix->store);
    util_totp_key_clear (&fix->key);
    return support_dir_remove (fix->dir);
}

//  The code of `key` at time step `step`.
static const char *
s_code (const util_totp_key_t *key, uint64_t step)
{
    static char text [UTIL_TOTP_CODE_MAX + 1];
    uint32_t code;
    assert_int_equal (util_hotp (&code, key, step), 0);
    util_totp_format (text, code, key->digits);
    return text;
}

static coord_totp_verdict_t
s_check (s_fix_t *fix, const char *who, const char *code, const char *session, int64_t now)
{
    coord_totp_result_t r;
    assert_int_equal (coord_totp_check (fix->store, &r, who, code, session, now, &s_policy), 0);
    return r.verdict;
}

static void
test_mode_and_enrol (void **state)
{
    s_fix_t *fix = *state;
    struct stat st;
    assert_int_equal (stat (fix->path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    //  A store others may read is refused.
    assert_int_equal (chmod (fix->path, 0640), 0);
    coord_totp_t *other = coord_totp_open (fix->path, false);
    assert_null (other);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "mode 640 lets others read the TOTP secrets"));
    assert_int_equal (chmod (fix->path, 0600), 0);
    //  A missing store is not made unless asked.
    char missing [SUPPORT_DIR_MAX + 16];
    snprintf (missing, sizeof missing, "%s/none.db", fix->dir);
    assert_null (coord_totp_open (missing, false));
    //  The same name or key again is refused without --force, replaced with it.
    assert_int_equal (coord_totp_enrol (fix->store, "ana", S_BOB, &fix->key, false, S_T0), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_int_equal (coord_totp_enrol (fix->store, "ana2", S_ANA, &fix->key, false, S_T0), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    //  Bad names and keys.
    assert_int_equal (coord_totp_enrol (fix->store, "", S_BOB, &fix->key, false, S_T0), -1);
    assert_int_equal (coord_totp_enrol (fix->store, "a b", S_BOB, &fix->key, false, S_T0), -1);
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_int_equal (coord_totp_enrol (fix->store, "bob", "short", &fix->key, false, S_T0), -1);
    assert_int_equal (coord_totp_enrol (fix->store, "bob",
                      "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\"", &fix->key, false, S_T0), -1);
    assert_string_equal (util_last_error (), "totp: the public key is not 40 Z85 characters");
    //  A used step is forgotten when the enrolment is replaced (a new secret).
    uint64_t t = util_totp_step (S_T0);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t), NULL, S_T0), COORD_TOTP_OK);
    assert_int_equal (coord_totp_enrol (fix->store, "ana", S_ANA, &fix->key, true, S_T0), 0);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t), NULL, S_T0), COORD_TOTP_OK);
}

static void
test_verdicts (void **state)
{
    s_fix_t *fix = *state;
    uint64_t t = util_totp_step (S_T0);
    coord_totp_result_t r;
    //  Not enrolled, and not a key at all.
    assert_int_equal (s_check (fix, S_BOB, s_code (&fix->key, t), NULL, S_T0),
                      COORD_TOTP_UNENROLLED);
    assert_int_equal (s_check (fix, "", "123456", NULL, S_T0), COORD_TOTP_UNENROLLED);
    //  No code.
    assert_int_equal (s_check (fix, S_ANA, NULL, NULL, S_T0), COORD_TOTP_MISSING);
    assert_int_equal (s_check (fix, S_ANA, "", S_SESSION, S_T0), COORD_TOTP_MISSING);
    //  Right, then the same step replayed, and an earlier one; the next
    //  step (a distinct valid code inside the window) is taken.
    assert_int_equal (coord_totp_check (fix->store, &r, S_ANA, s_code (&fix->key, t), NULL,
                                        S_T0, &s_policy), 0);
    assert_int_equal (r.verdict, COORD_TOTP_OK);
    assert_string_equal (r.name, "ana");
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t), NULL, S_T0),
                      COORD_TOTP_REPLAYED);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t - 1), NULL, S_T0),
                      COORD_TOTP_REPLAYED);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t + 1), NULL, S_T0),
                      COORD_TOTP_OK);
    //  The used step outlives the store's handle, as across a restart.
    coord_totp_destroy (&fix->store);
    assert_non_null (fix->store = coord_totp_open (fix->path, false));
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t + 1), NULL, S_T0 + 30),
                      COORD_TOTP_REPLAYED);
    //  Wrong and malformed codes are wrong.
    assert_int_equal (s_check (fix, S_ANA, "000000", NULL, S_T0 + 30), COORD_TOTP_WRONG);
    assert_int_equal (s_check (fix, S_ANA, "12345x", NULL, S_T0 + 30), COORD_TOTP_WRONG);
    //  A right code resets the count of wrong ones.
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t + 2), NULL, S_T0 + 30),
                      COORD_TOTP_OK);
    assert_string_equal (coord_totp_verdict_name (COORD_TOTP_REPLAYED), "replayed");
    assert_string_equal (coord_totp_verdict_name (COORD_TOTP_LOCKED), "locked");
}

static void
test_cooloff (void **state)
{
    s_fix_t *fix = *state;
    uint64_t t = util_totp_step (S_T0);
    coord_totp_result_t r;
    //  Two wrong codes, the third starts a cooling-off (max_failures 3).
    for (int i = 0; i < 3; i++) {
        assert_int_equal (coord_totp_check (fix->store, &r, S_ANA, "000000", NULL, S_T0 + i,
                                            &s_policy), 0);
        assert_int_equal (r.verdict, COORD_TOTP_WRONG);
        assert_int_equal (r.locked_now, i == 2);
    }
    assert_int_equal (r.locked_until, S_T0 + 2 + 300);
    //  Even a right code is refused unseen until it ends, and is not spent.
    assert_int_equal (coord_totp_check (fix->store, &r, S_ANA, s_code (&fix->key, t), NULL,
                                        S_T0 + 10, &s_policy), 0);
    assert_int_equal (r.verdict, COORD_TOTP_LOCKED);
    assert_int_equal (r.locked_until, S_T0 + 302);
    //  The lock is durable, and ends at its time (both sides of it).
    coord_totp_destroy (&fix->store);
    assert_non_null (fix->store = coord_totp_open (fix->path, false));
    int64_t end = S_T0 + 302;
    uint64_t te = util_totp_step (end - 1);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, te), NULL, end - 1),
                      COORD_TOTP_LOCKED);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, te), NULL, end), COORD_TOTP_OK);
    //  Wrong codes further apart than the window do not add up.
    for (int i = 0; i < 4; i++) {
        assert_int_equal (coord_totp_check (fix->store, &r, S_ANA, "000000", NULL,
                                            end + 301 * i, &s_policy), 0);
        assert_int_equal (r.verdict, COORD_TOTP_WRONG);
        assert_false (r.locked_now);
    }
}

static void
test_sessions (void **state)
{
    s_fix_t *fix = *state;
    uint64_t t = util_totp_step (S_T0);
    //  No session before a right code opens it.
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0), COORD_TOTP_MISSING);
    //  A wrong code with a session opens nothing.
    assert_int_equal (s_check (fix, S_ANA, "000000", S_SESSION, S_T0), COORD_TOTP_WRONG);
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0), COORD_TOTP_MISSING);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t), S_SESSION, S_T0),
                      COORD_TOTP_OK);
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0 + 5), COORD_TOTP_OK);
    //  Another token, another key, a malformed token: no.
    assert_int_equal (s_check (fix, S_ANA, NULL, S_OTHER, S_T0 + 5), COORD_TOTP_MISSING);
    assert_int_equal (coord_totp_enrol (fix->store, "bob", S_BOB, &fix->key, false, S_T0), 0);
    assert_int_equal (s_check (fix, S_BOB, NULL, S_SESSION, S_T0 + 5), COORD_TOTP_MISSING);
    assert_int_equal (s_check (fix, S_ANA, NULL, "00112233", S_T0 + 5), COORD_TOTP_MISSING);
    //  Each use renews it for session_s; it ends that long after the last.
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0 + 900), COORD_TOTP_OK);
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0 + 1799), COORD_TOTP_OK);
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0 + 2699 + 1),
                      COORD_TOTP_MISSING);
    //  Sessions are not kept across a restart.
    uint64_t t2 = util_totp_step (S_T0 + 3000);
    assert_int_equal (s_check (fix, S_ANA, s_code (&fix->key, t2), S_SESSION, S_T0 + 3000),
                      COORD_TOTP_OK);
    coord_totp_destroy (&fix->store);
    assert_non_null (fix->store = coord_totp_open (fix->path, false));
    assert_int_equal (s_check (fix, S_ANA, NULL, S_SESSION, S_T0 + 3001), COORD_TOTP_MISSING);
}

static void
test_damaged (void **state)
{
    s_fix_t *fix = *state;
    //  A row whose secret is too short to be one is an error, not a verdict.
    sqlite3 *db;
    assert_int_equal (sqlite3_open (fix->path, &db), SQLITE_OK);
    assert_int_equal (sqlite3_exec (db, "UPDATE totp SET secret = x'0102'", NULL, NULL, NULL),
                      SQLITE_OK);
    sqlite3_close (db);
    coord_totp_result_t r;
    assert_int_equal (coord_totp_check (fix->store, &r, S_ANA, "123456", NULL, S_T0,
                                        &s_policy), -1);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "the enrolment of this key is damaged"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_mode_and_enrol, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_verdicts, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_cooloff, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sessions, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_damaged, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

/*  Unit tests for cli/analyst.c: the TOTP code an analyst command carries,
    from --totp or $COHORT_TOTP, checked before anything is sent (a code
    that is not 6 or 8 digits is refused, naming where it came from). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/analyst.h"
#include "util/error.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_role.h"

static char s_dir [SUPPORT_DIR_MAX];
static char s_cfg [SUPPORT_DIR_MAX + 32];

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "clianalyst"))
        return -1;
    char key [SUPPORT_CURVE_KEY_TEXT];
    support_curve_cert (s_dir, "coordinator", NULL, NULL);
    support_curve_cert (s_dir, "analyst", NULL, key);
    support_role_cert (s_dir, "analyst", PROTO_ROLE_ANALYST, 0, key, 1);
    snprintf (s_cfg, sizeof s_cfg, "%s/analyst.cfg", s_dir);
    FILE *f = fopen (s_cfg, "w");
    if (!f)
        return -1;
    fprintf (f, "analyst\n    coordinator = tcp://127.0.0.1:1\n"
                "    coordinator_cert = coordinator\n    cert = analyst_secret\n"
                "    role_cert = analyst.role\n    sign_key = analyst.sign\n");
    return fclose (f);
}

static int
s_teardown (void **state)
{
    (void) state;
    unsetenv (CLI_TOTP_ENV);
    return support_dir_remove (s_dir);
}

static void
test_code_sources (void **state)
{
    (void) state;
    unsetenv (CLI_TOTP_ENV);
    //  No code at all, 6 and 8 digits: a client.
    static const char *good [] = { NULL, "", "123456", "12345678" };
    for (int i = 0; i < 4; i++) {
        coord_client_t *client = cli_analyst_client (s_cfg, good [i]);
        assert_non_null (client);
        coord_client_destroy (&client);
    }
    //  Bad codes from --totp, each refused with where it came from.
    static const char *bad [] = { "12345", "123456789", "12a456", "1234567" };
    for (int i = 0; i < 4; i++) {
        assert_null (cli_analyst_client (s_cfg, bad [i]));
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_string_equal (util_last_error (), "--totp: totp: a code is 6 or 8 digits");
    }
    //  The environment's code, when --totp gives none; --totp wins.
    setenv (CLI_TOTP_ENV, "99", 1);
    assert_null (cli_analyst_client (s_cfg, NULL));
    assert_string_equal (util_last_error (), "COHORT_TOTP: totp: a code is 6 or 8 digits");
    coord_client_t *client = cli_analyst_client (s_cfg, "654321");
    assert_non_null (client);
    coord_client_destroy (&client);
    setenv (CLI_TOTP_ENV, "654321", 1);
    assert_non_null (client = cli_analyst_client (s_cfg, NULL));
    coord_client_destroy (&client);
    unsetenv (CLI_TOTP_ENV);
    //  A config that is not there.
    assert_null (cli_analyst_client ("/nonexistent/analyst.cfg", "123456"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_code_sources),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}

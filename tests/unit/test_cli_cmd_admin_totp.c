/*  Unit tests for cli/cmd_admin_totp.c: `cohort admin totp-enrol` usage
    errors, a coordinator.cfg without a TOTP store, an enrolment (the URI
    in a 0600 file, its issuer, label and key; the store; a second
    enrolment refused without --force and replaced with it), and the QR
    code drawn with --qr (its size and a finder pattern's corner, checked
    against libqrencode's own matrix of the same URI). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "coordinator/totp.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/totp.h"
#include "support_curve.h"
#include "support_dir.h"

static char s_dir [SUPPORT_DIR_MAX];
static char s_key [SUPPORT_CURVE_KEY_TEXT];

static const char *
s_path (const char *rel)
{
    static char path [4][SUPPORT_DIR_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    snprintf (path [k], sizeof path [k], "%s/%s", s_dir, rel);
    return path [k];
}

static void
s_config (const char *extra)
{
    FILE *f = fopen (s_path ("coordinator.cfg"), "w");
    assert_non_null (f);
    fprintf (f, "coordinator\n    name = demo consortium\n    endpoint = tcp://127.0.0.1:1\n"
                "    cert = c\n    allowlist = a\n    journal = j.db\n    public_key = p\n"
                "    verify_key = v\n    admin_key = admin.pub\n%s", extra);
    assert_int_equal (fclose (f), 0);
}

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "clitotp"))
        return -1;
    support_curve_cert (s_dir, "ana", NULL, s_key);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    return support_dir_remove (s_dir);
}

static void
test_usage (void **state)
{
    (void) state;
    s_usage ("admin totp-enrol --curve-key x", "argument");
    s_usage ("admin totp-enrol ana", "--curve-key is required");
    s_usage ("admin totp-enrol ana --curve-key x --digits 7", "--digits");
    s_usage ("admin totp-enrol ana --curve-key x --algorithm MD5", "--algorithm");
    s_usage ("admin nope", "unknown command 'nope'");
    assert_int_equal (s_run ("admin totp-enrol --help"), CLI_OK);
    assert_non_null (strstr (s_out, "usage: cohort admin totp-enrol"));
    //  A certificate that is not there.
    assert_int_equal (s_run ("admin totp-enrol ana --curve-key %s/none", s_dir), CLI_FAIL);
    assert_non_null (strstr (s_err, "--curve-key"));
}

static void
test_off (void **state)
{
    (void) state;
    s_config ("");
    assert_int_equal (s_run ("admin totp-enrol ana --curve-key %s --config %s", s_path ("ana"),
                             s_path ("coordinator.cfg")), CLI_FAIL);
    assert_non_null (strstr (s_err, "coordinator/totp: missing: TOTP is off"));
}

static void
test_enrol (void **state)
{
    (void) state;
    s_config ("    totp = totp.db\n");
    assert_int_equal (s_run ("admin totp-enrol ana --curve-key %s --config %s --out %s "
                             "--algorithm SHA256 --digits 8", s_path ("ana"),
                             s_path ("coordinator.cfg"), s_path ("ana.totp")), CLI_OK);
    assert_non_null (strstr (s_err, "ana enrolled"));
    //  Not a terminal, no --qr: nothing on stdout (the URI is in the file).
    assert_string_equal (s_out, "");
    struct stat st;
    assert_int_equal (stat (s_path ("ana.totp"), &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (stat (s_path ("totp.db"), &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    char *uri = NULL;
    size_t len;
    assert_int_equal (util_file_read (s_path ("ana.totp"), 4096, 0, &uri, &len), 0);
    uri [strcspn (uri, "\n")] = '\0';
    assert_non_null (strstr (uri, "otpauth://totp/demo%20consortium:ana?secret="));
    util_totp_key_t key;
    char label [32];
    assert_int_equal (util_totp_uri_parse (&key, label, sizeof label, uri), 0);
    assert_string_equal (label, "ana");
    assert_int_equal (key.hash, UTIL_TOTP_SHA256);
    assert_int_equal (key.digits, 8);
    assert_int_equal (key.secret_len, 20);
    //  The coordinator's store takes the secret's current code for ana's key.
    coord_totp_t *store = coord_totp_open (s_path ("totp.db"), false);
    assert_non_null (store);
    int64_t now = (int64_t) time (NULL);
    uint32_t value;
    assert_int_equal (util_hotp (&value, &key, util_totp_step (now)), 0);
    char code [UTIL_TOTP_CODE_MAX + 1];
    util_totp_format (code, value, 8);
    coord_totp_policy_t policy = { 5, 300, 900 };
    coord_totp_result_t r;
    assert_int_equal (coord_totp_check (store, &r, s_key, code, NULL, now, &policy), 0);
    assert_int_equal (r.verdict, COORD_TOTP_OK);
    assert_string_equal (r.name, "ana");
    coord_totp_destroy (&store);
    //  Again: refused; with --force, a new secret.
    assert_int_equal (s_run ("admin totp-enrol ana --curve-key %s --config %s",
                             s_path ("ana"), s_path ("coordinator.cfg")), CLI_FAIL);
    assert_non_null (strstr (s_err, "already enrolled"));
    assert_int_equal (s_run ("admin totp-enrol ana --curve-key %s --config %s --force",
                             s_path ("ana"), s_path ("coordinator.cfg")), CLI_OK);
    util_totp_key_t again;
    s_out [strcspn (s_out, "\n")] = '\0';
    assert_int_equal (util_totp_uri_parse (&again, NULL, 0, s_out), 0);
    assert_memory_not_equal (again.secret, key.secret, 20);
    util_totp_key_clear (&key);
    util_totp_key_clear (&again);
    util_cleanse (uri, len);
    free (uri);
}

//  One drawn line as symbols: 'F' full block, 'U' upper half, 'L' lower
//  half, ' ' blank. Returns the count.
static int
s_symbols (const char *line, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < cap; ) {
        if (line [i] == ' ') {
            out [n++] = ' ';
            i++;
        }
        else {
            assert_true (i + 3 <= len);
            assert_memory_equal (line + i, "\xe2\x96", 2);
            unsigned char c = (unsigned char) line [i + 2];
            out [n++] = c == 0x88? 'F': c == 0x80? 'U': c == 0x84? 'L': '?';
            i += 3;
        }
    }
    return (int) n;
}

static void
test_qr (void **state)
{
    (void) state;
    s_config ("    totp = totp.db\n");
    assert_int_equal (s_run ("admin totp-enrol ana --curve-key %s --config %s --qr --force",
                             s_path ("ana"), s_path ("coordinator.cfg")), CLI_OK);
    char *nl = strchr (s_out, '\n');
    assert_non_null (nl);
    *nl = '\0';
    QRcode *qr = QRcode_encodeString (s_out, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null (qr);
    int side = qr->width + 8, lines = (side + 1) / 2;
    char *art = strstr (nl + 1, "authenticator app:\n\n");
    assert_non_null (art);
    art += strlen ("authenticator app:\n\n");
    //  Every line has the side's symbols, and they match the matrix.
    char sym [256];
    for (int y = 0; y < lines; y++) {
        char *end = strchr (art, '\n');
        assert_non_null (end);
        assert_int_equal (s_symbols (art, (size_t) (end - art), sym, sizeof sym), side);
        for (int x = 0; x < side; x++) {
            bool dark [2];
            for (int k = 0; k < 2; k++) {
                int yy = 2 * y + k - 4, xx = x - 4;
                dark [k] = yy >= 0 && yy < qr->width && xx >= 0 && xx < qr->width
                        && (qr->data [yy * qr->width + xx] & 1);
            }
            char want = !dark [0] && !dark [1]? 'F': !dark [0]? 'U': !dark [1]? 'L': ' ';
            assert_int_equal (sym [x], want);
        }
        art = end + 1;
    }
    //  The quiet zone is light, and the top-left finder's corner is dark.
    assert_true (qr->data [0] & 1);
    QRcode_free (qr);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_usage),
        cmocka_unit_test (test_off),
        cmocka_unit_test (test_enrol),
        cmocka_unit_test (test_qr),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}

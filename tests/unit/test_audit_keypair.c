/*  Unit tests for audit/keypair.c: a key pair written to FILE and
    FILE.pub (modes, contents, the pair signs and verifies), never
    overwriting either file, removing the signer key when the verifier key
    cannot be written, and allocation failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/keypair.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_dir.h"

typedef struct {
    char dir [SUPPORT_DIR_MAX], key [128], pub [128];
    audit_signer_t *signer;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "keypair");
    if (!f || !(f->signer = audit_signer_generate ("hospital-a")))
        return -1;
    support_path (f->key, sizeof f->key, f->dir, "audit.key");
    support_path (f->pub, sizeof f->pub, f->dir, "audit.key.pub");
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->signer);
    return support_fixture_teardown (state);
}

static void
test_save (void **state)
{
    fixture_t *f = *state;
    char *verifier = audit_keypair_save (f->signer, f->key);
    assert_non_null (verifier);
    char *want = audit_signer_verifier_text (f->signer);
    assert_string_equal (verifier, want);
    assert_true (strncmp (verifier, "hospital-a+", 11) == 0);
    struct stat st;
    assert_int_equal (stat (f->key, &st), 0);
    assert_int_equal (st.st_mode & 0077, 0);
    assert_int_equal (stat (f->pub, &st), 0);
    assert_int_equal ((size_t) st.st_size, strlen (want) + 1);
    //  The files are a working pair.
    audit_signer_t *s = audit_signer_load (f->key);
    audit_verifier_t *v = audit_verifier_load (f->pub);
    assert_non_null (s);
    assert_non_null (v);
    uint8_t sig [AUDIT_SIGNATURE_LEN];
    assert_int_equal (audit_signer_sign (s, sig, "head", 4), 0);
    assert_int_equal (audit_verifier_verify (v, sig, "head", 4), 0);
    assert_int_equal (audit_verifier_verify (v, sig, "hear", 4), -1);
    audit_signer_destroy (&s);
    audit_verifier_destroy (&v);
    free (want);
    free (verifier);
}

static void
test_never_overwrites (void **state)
{
    fixture_t *f = *state;
    //  An existing signer key: refused, and no .pub appears.
    FILE *fp = fopen (f->key, "w");
    fputs ("keep\n", fp);
    fclose (fp);
    assert_null (audit_keypair_save (f->signer, f->key));
    assert_non_null (strstr (util_last_error (), "audit.key"));
    assert_int_equal (access (f->pub, F_OK), -1);
    unlink (f->key);
    //  An existing .pub: refused before the signer key is written.
    fp = fopen (f->pub, "w");
    fputs ("keep\n", fp);
    fclose (fp);
    assert_null (audit_keypair_save (f->signer, f->key));
    assert_non_null (strstr (util_last_error (), "audit.key.pub exists: not overwriting"));
    assert_int_equal (access (f->key, F_OK), -1);
    char line [16] = "";
    fp = fopen (f->pub, "r");
    assert_non_null (fgets (line, sizeof line, fp));
    fclose (fp);
    assert_string_equal (line, "keep\n");
}

//  The .pub cannot be put in place (a dangling link there: access() does not
//  see it, the atomic link into place does): the signer key written just
//  before is removed.
static void
test_public_write_fails (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (symlink ("/nonexistent/dir/x", f->pub), 0);
    assert_null (audit_keypair_save (f->signer, f->key));
    assert_non_null (strstr (util_last_error (), "audit.key.pub: already exists"));
    assert_int_equal (access (f->key, F_OK), -1);
    //  No key, no path.
    assert_null (audit_keypair_save (NULL, f->key));
    assert_null (audit_keypair_save (f->signer, NULL));
}

static void
test_allocation_failures (void **state)
{
    fixture_t *f = *state;
    int done = 0, failed = 0;
    for (long n = 0; !done && n < 100; n++) {
        util_alloc_fail_after (n);
        char *verifier = audit_keypair_save (f->signer, f->key);
        util_alloc_fail_after (-1);
        if (verifier) {
            assert_int_equal (access (f->pub, F_OK), 0);
            free (verifier);
            done = 1;
        }
        else {
            failed++;
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            assert_int_equal (access (f->key, F_OK), -1);
            assert_int_equal (access (f->pub, F_OK), -1);
        }
    }
    assert_true (done);
    assert_true (failed >= 2);          //  both files' writes were reached
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests [] = {
        T (test_save), T (test_never_overwrites), T (test_public_write_fails),
        T (test_allocation_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}

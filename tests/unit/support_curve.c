/*  tests/unit/support_curve.c - CURVE certificates for tests
    (support_curve.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <sys/stat.h>

#include "support_curve.h"
#include "support_dir.h"

void
support_curve_cert (const char *dir, const char *name, const char *allow,
                    char key [SUPPORT_CURVE_KEY_TEXT])
{
    char path [512];
    zcert_t *cert = zcert_new ();
    assert_non_null (cert);
    if (zcert_save (cert, support_path (path, sizeof path, dir, name)))
        fail_msg ("cannot save the certificate %s", path);
    if (allow) {
        char pub [256];
        snprintf (pub, sizeof pub, "%s.pub", name);
        if (zcert_save_public (cert, support_path (path, sizeof path, allow, pub)))
            fail_msg ("cannot save the public certificate %s", path);
    }
    if (key)
        snprintf (key, SUPPORT_CURVE_KEY_TEXT, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
}

void
support_curve_allowlist (char *out, size_t size, const char *dir, const char *name)
{
    if (mkdir (support_path (out, size, dir, name), 0700))
        fail_msg ("cannot make the allowlist folder %s", out);
}

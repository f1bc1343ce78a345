/*  tests/unit/support_curve.h - CURVE certificates on disk for tests, in
    czmq's format: the public certificate as NAME and the secret one as
    NAME_secret, and allowlists as a folder of NAME.pub files (what
    zcertstore and the endpoints read). Part of cohort_test_support;
    include after cmocka.h. */
#ifndef TESTS_UNIT_SUPPORT_CURVE_H
#define TESTS_UNIT_SUPPORT_CURVE_H

//  The length of a Z85 public key text with its NUL.
#define SUPPORT_CURVE_KEY_TEXT 41

//  Makes a fresh certificate and saves it as dir/name and dir/name_secret.
//  When allow is not NULL its public part is also saved as allow/name.pub
//  (allow must exist: see support_curve_allowlist). When key is not NULL
//  the public key's Z85 text is written into it. A file that cannot be
//  written fails the test.
void
    support_curve_cert (const char *dir, const char *name, const char *allow,
                        char key [SUPPORT_CURVE_KEY_TEXT]);

//  Makes the allowlist folder dir/name (mode 0700) and writes its path into
//  out (size bytes). Fails the test if it cannot.
void
    support_curve_allowlist (char *out, size_t size, const char *dir, const char *name);

#endif

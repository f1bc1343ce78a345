/*  tests/unit/support_role.h - role certificates on disk for tests
    (proto/rolecert.h): the consortium admin key, an identity's CURVE
    certificate, signing key and role certificate, and the config lines
    that name them. Header-only (static inline) because it needs
    cohort_proto and cohort_audit, which only the tests that include it
    link; include after cmocka.h. */
#ifndef TESTS_UNIT_SUPPORT_ROLE_H
#define TESTS_UNIT_SUPPORT_ROLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/key.h"
#include "proto/rolecert.h"
#include "util/file.h"
#include "support_curve.h"
#include "support_dir.h"

//  The admin key of dir: dir/admin.key (0600) and dir/admin.pub, made the
//  first time (named "test-consortium"). Returns the key (the caller
//  destroys it); a file that cannot be written fails the test.
static inline audit_signer_t *
support_role_admin (const char *dir)
{
    char path [512], pub [512];
    support_path (path, sizeof path, dir, "admin.key");
    support_path (pub, sizeof pub, dir, "admin.pub");
    if (access (path, F_OK) == 0) {
        audit_signer_t *admin = audit_signer_load (path);
        if (!admin)
            fail_msg ("%s: %s", path, util_last_error ());
        return admin;
    }
    audit_signer_t *admin = audit_signer_generate ("test-consortium");
    char *line = admin? audit_signer_verifier_text (admin): NULL;
    assert_non_null (line);
    if (audit_signer_save (admin, path))
        fail_msg ("cannot write the admin key %s: %s", path, util_last_error ());
    //  The .pub holds the line and a newline.
    char *text = malloc (strlen (line) + 2);
    sprintf (text, "%s\n", line);
    if (util_file_write (pub, text, strlen (text), 0644, UTIL_FILE_REPLACE))
        fail_msg ("cannot write %s: %s", pub, util_last_error ());
    free (text);
    free (line);
    return admin;
}

//  Writes dir/<name>.role: a certificate for `role` (index for a site),
//  the CURVE key `curve` (Z85) and the Ed25519 key in dir/<name>.sign (made
//  here, mode 0600), valid for `days` days (0: already expired), signed by
//  the admin key of dir (support_role_admin). Returns the serial.
static inline uint64_t
support_role_cert (const char *dir, const char *name, proto_role_t role, unsigned index,
                   const char *curve, unsigned days)
{
    char path [512], file [256];
    audit_signer_t *admin = support_role_admin (dir);
    snprintf (file, sizeof file, "%s.sign", name);
    support_path (path, sizeof path, dir, file);
    audit_signer_t *own = audit_signer_generate (name);
    assert_non_null (own);
    unlink (path);
    if (audit_signer_save (own, path))
        fail_msg ("cannot write %s: %s", path, util_last_error ());
    char *line = audit_signer_verifier_text (own);
    proto_rolecert_t cert;
    memset (&cert, 0, sizeof cert);
    cert.role = role;
    snprintf (cert.consortium, sizeof cert.consortium, "test-consortium");
    snprintf (cert.name, sizeof cert.name, "%s", name);
    cert.index = index;
    snprintf (cert.curve, sizeof cert.curve, "%.40s", curve);
    cert.signer = audit_verifier_parse (line, strlen (line));
    static uint64_t serial = 1000;
    cert.serial = ++serial;
    cert.not_after = (uint64_t) time (NULL) + (uint64_t) days * 86400 - (days? 0: 3600);
    char *note = proto_rolecert_issue (&cert, admin);
    if (!note)
        fail_msg ("role certificate of %s: %s", name, util_last_error ());
    snprintf (file, sizeof file, "%s.role", name);
    if (util_file_write (support_path (path, sizeof path, dir, file), note, strlen (note), 0644,
                         UTIL_FILE_REPLACE))
        fail_msg ("cannot write %s: %s", path, util_last_error ());
    free (note);
    free (line);
    audit_verifier_destroy (&cert.signer);
    audit_signer_destroy (&own);
    audit_signer_destroy (&admin);
    return cert.serial;
}

//  A site's CURVE certificate dir/<name> (and _secret) and its role
//  certificate (share `index`, valid a day), and into lines[size] the
//  site.cfg lines that name them:
//      cert = DIR/NAME_secret, role_cert, sign_key, admin_key
static inline void
support_role_site (const char *dir, const char *name, unsigned index, char *lines, size_t size)
{
    char key [SUPPORT_CURVE_KEY_TEXT];
    support_curve_cert (dir, name, NULL, key);
    support_role_cert (dir, name, PROTO_ROLE_SITE, index, key, 1);
    snprintf (lines, size, "    cert = %s/%s_secret\n    role_cert = %s/%s.role\n"
              "    sign_key = %s/%s.sign\n    admin_key = %s/admin.pub\n",
              dir, name, dir, name, dir, name, dir);
}

#endif

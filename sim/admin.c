/*  sim/admin.c - the consortium admin's keys, certificates and revocations. */
#include "admin.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PATH_MAX 4096
#define S_DAY_S 86400ull

audit_signer_t *
sim_admin_keypair (const char *name, const char *key_path, const char *pub_path, bool force)
{
    audit_signer_t *key = audit_signer_generate (name);
    char *line = key? audit_signer_verifier_text (key): NULL;
    char *pub = line? util_asprintf ("%s\n", line): NULL;
    if (!pub)
        goto fail;
    //  audit_signer_save never replaces a file: with force, remove it first.
    if (force && (unlink (key_path) && errno != ENOENT)) {
        util_error (UTIL_EIO, "%s: cannot replace: %s", key_path, strerror (errno));
        goto fail;
    }
    if (audit_signer_save (key, key_path)
    ||  util_file_write (pub_path, pub, strlen (pub), 0644, force? UTIL_FILE_REPLACE: 0))
        goto fail;
    free (line);
    free (pub);
    return key;
fail:
    util_error_context ("key '%s'", name);
    free (line);
    free (pub);
    audit_signer_destroy (&key);
    return NULL;
}

int
sim_admin_grant (const audit_signer_t *admin, const sim_grant_t *g, uint64_t *serial)
{
    proto_rolecert_t cert;
    memset (&cert, 0, sizeof cert);
    cert.role = g->role;
    snprintf (cert.consortium, sizeof cert.consortium, "%s", audit_signer_name (admin));
    if (!g->name || strlen (g->name) > AUDIT_KEY_NAME_MAX)
        return util_error (UTIL_EINPUT, "grant: name must be 1..%d characters", AUDIT_KEY_NAME_MAX);
    snprintf (cert.name, sizeof cert.name, "%s", g->name);
    cert.index = g->index;
    if (!g->curve || strlen (g->curve) != 40)
        return util_error (UTIL_EINPUT, "grant: the CURVE public key must be 40 characters of Z85");
    memcpy (cert.curve, g->curve, 41);
    //  The certificate owns its signer: a copy of the caller's key.
    char *line = audit_verifier_text (g->signer);
    cert.signer = line? audit_verifier_parse (line, strlen (line)): NULL;
    free (line);
    if (!cert.signer)
        return util_error_context ("grant: signer key");
    //  63 bits: serials print as positive numbers everywhere.
    uint8_t r [8];
    if (RAND_bytes (r, sizeof r) != 1) {
        audit_verifier_destroy (&cert.signer);
        return util_error (UTIL_ECRYPTO, "grant: OpenSSL's CSPRNG failed");
    }
    for (int i = 0; i < 8; i++)
        cert.serial = cert.serial << 8 | r [i];
    cert.serial >>= 1;
    cert.not_after = (uint64_t) time (NULL) + (g->days? g->days: SIM_ADMIN_DAYS) * S_DAY_S;
    char *note = proto_rolecert_issue (&cert, admin);
    audit_verifier_destroy (&cert.signer);
    if (!note)
        return util_error_context ("grant '%s'", g->name);
    int rc = util_file_write (g->out, note, strlen (note), 0644, g->force? UTIL_FILE_REPLACE: 0);
    free (note);
    if (rc == 0 && serial)
        *serial = cert.serial;
    return rc;
}

int
sim_admin_revocations_init (const audit_signer_t *admin, const char *path, bool force)
{
    char *note = proto_revocations_issue (audit_signer_name (admin), NULL, NULL, 0, admin);
    if (!note)
        return util_error_context ("%s", path);
    int rc = util_file_write (path, note, strlen (note), 0644, force? UTIL_FILE_REPLACE: 0);
    free (note);
    return rc;
}

//  Opens the certificate file `path` with the admin's key (ignoring its
//  expiry: the admin may revoke or list an expired one). NULL with the reason.
static proto_rolecert_t *
s_cert_load (const audit_verifier_t *admin, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (path, PROTO_ROLECERT_MAX, 0, &text, &len))
        return NULL;
    proto_rolecert_t *cert = proto_rolecert_open (text, len, admin, 0);
    if (!cert)
        util_error_context ("%s", path);
    free (text);
    return cert;
}

//  Is `name` a NAME.role file name? Sets the NAME length.
static bool
s_role_file (const char *name, size_t *stem)
{
    size_t len = strlen (name);
    if (len <= 5 || strcmp (name + len - 5, ".role") != 0)
        return false;
    *stem = len - 5;
    return true;
}

//  The certificate of `who` in certs_dir: NAME.role, or the one whose
//  serial is `serial` (by_serial). NULL with the reason.
static proto_rolecert_t *
s_find (const audit_verifier_t *admin, const char *certs_dir, const char *who, bool by_serial,
        uint64_t serial)
{
    char path [S_PATH_MAX];
    if (!by_serial) {
        snprintf (path, sizeof path, "%s/%s.role", certs_dir, who);
        return s_cert_load (admin, path);
    }
    DIR *dir = opendir (certs_dir);
    if (!dir)
        return util_error_null (UTIL_EIO, "%s: cannot open: %s", certs_dir, strerror (errno));
    proto_rolecert_t *found = NULL;
    struct dirent *e;
    size_t stem;
    while (!found && (e = readdir (dir)))
        if (s_role_file (e->d_name, &stem)) {
            snprintf (path, sizeof path, "%s/%s", certs_dir, e->d_name);
            proto_rolecert_t *cert = s_cert_load (admin, path);
            if (cert && cert->serial == serial)
                found = cert;
            else
                proto_rolecert_destroy (&cert);
        }
    closedir (dir);
    if (!found)
        util_error (UTIL_EINPUT, "%s: no certificate has serial %llu", certs_dir,
                    (unsigned long long) serial);
    return found;
}

//  Reads the list at path (a missing file: an empty list). NULL with the reason.
static proto_revocations_t *
s_list_load (const audit_verifier_t *admin, const char *path, bool *missing)
{
    char *text = NULL;
    size_t len = 0;
    *missing = access (path, F_OK) != 0 && errno == ENOENT;
    if (*missing)
        return NULL;
    if (util_file_read (path, PROTO_REVOCATIONS_MAX, 0, &text, &len))
        return NULL;
    proto_revocations_t *list = proto_revocations_open (text, len, admin);
    if (!list)
        util_error_context ("%s", path);
    free (text);
    return list;
}

int
sim_admin_revoke (const audit_signer_t *admin, const char *list_path, const char *certs_dir,
                  const char *who, uint64_t *serial, char *name)
{
    int rc = -1;
    char *line = audit_signer_verifier_text (admin);
    audit_verifier_t *pub = line? audit_verifier_parse (line, strlen (line)): NULL;
    free (line);
    proto_revocations_t *list = NULL;
    proto_rolecert_t *cert = NULL;
    uint64_t *serials = NULL;
    char **names = NULL;
    char *note = NULL;
    if (!pub)
        goto cleanup;
    //  A serial is all digits; a name cannot be (proto/rolecert.h's names can,
    //  but sim_consortium_check_site's and grant's start with a letter or
    //  digit and are looked up by file).
    bool by_serial = who && *who && strspn (who, "0123456789") == strlen (who);
    uint64_t want = 0;
    if (by_serial) {
        errno = 0;
        char *end;
        unsigned long long v = strtoull (who, &end, 10);
        if (errno || *end || strlen (who) > 20) {
            util_error (UTIL_EINPUT, "revoke: '%s' is not a serial (0..2^64-1)", who);
            goto cleanup;
        }
        want = v;
    }
    cert = s_find (pub, certs_dir, who, by_serial, want);
    if (!cert) {
        util_error_context ("revoke '%s'", who);
        goto cleanup;
    }
    bool missing = false;
    list = s_list_load (pub, list_path, &missing);
    if (!list && !missing)
        goto cleanup;
    size_t n = list? proto_revocations_count (list): 0;
    if (list && proto_revocations_has (list, cert->serial)) {
        util_error (UTIL_EREFUSED, "revoke: %s (serial %llu) is already revoked in %s", cert->name,
                    (unsigned long long) cert->serial, list_path);
        goto cleanup;
    }
    serials = util_calloc (n + 1, sizeof *serials);
    names = util_calloc (n + 1, sizeof *names);
    if (!serials || !names) {
        util_error_context ("revoke");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        serials [i] = proto_revocations_serial (list, i);
        names [i] = (char *) proto_revocations_name (list, i);
    }
    serials [n] = cert->serial;
    names [n] = cert->name;
    note = proto_revocations_issue (audit_signer_name (admin), serials, names, n + 1, admin);
    if (!note || util_file_write (list_path, note, strlen (note), 0644, UTIL_FILE_REPLACE))
        goto cleanup;
    *serial = cert->serial;
    snprintf (name, AUDIT_KEY_NAME_MAX + 1, "%s", cert->name);
    rc = 0;
cleanup:
    free (note);
    free (serials);
    free (names);
    proto_rolecert_destroy (&cert);
    proto_revocations_destroy (&list);
    audit_verifier_destroy (&pub);
    return rc;
}

static int
s_name_order (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

int
sim_admin_list (const audit_verifier_t *admin, const char *certs_dir, const char *list_path,
                FILE *out)
{
    proto_revocations_t *list = NULL;
    bool missing = false;
    if (list_path && !(list = s_list_load (admin, list_path, &missing)) && !missing)
        return -1;
    DIR *dir = opendir (certs_dir);
    if (!dir) {
        proto_revocations_destroy (&list);
        return util_error (UTIL_EIO, "%s: cannot open: %s", certs_dir, strerror (errno));
    }
    //  Sorted by file name, so the listing is the same on every run.
    char **files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    size_t stem;
    int rc = 0;
    while ((e = readdir (dir)))
        if (s_role_file (e->d_name, &stem)) {
            if (n == cap) {
                char **more = util_realloc_array (files, cap? cap * 2: 16, sizeof *files);
                if (!more) {
                    rc = -1;
                    break;
                }
                files = more;
                cap = cap? cap * 2: 16;
            }
            if (!(files [n] = util_strdup (e->d_name))) {
                rc = -1;
                break;
            }
            n++;
        }
    closedir (dir);
    if (rc == 0 && n)
        qsort (files, n, sizeof *files, s_name_order);
    uint64_t now = (uint64_t) time (NULL);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path [S_PATH_MAX];
        snprintf (path, sizeof path, "%s/%s", certs_dir, files [i]);
        proto_rolecert_t *cert = s_cert_load (admin, path);
        if (!cert) {
            fprintf (out, "%-24s invalid: %s\n", files [i], util_last_error ());
            continue;
        }
        const char *state = proto_revocations_has (list, cert->serial)? "revoked"
                          : now > cert->not_after? "expired": "valid";
        char index [16] = "-";
        if (cert->index)
            snprintf (index, sizeof index, "%u", (unsigned) cert->index);
        fprintf (out, "%-8s %-24s index %-3s serial %-20llu not_after %llu  %s\n",
                 proto_role_name (cert->role), cert->name, index,
                 (unsigned long long) cert->serial, (unsigned long long) cert->not_after, state);
        proto_rolecert_destroy (&cert);
    }
    if (rc == 0 && list) {
        fprintf (out, "revocation list %s: consortium %s, issued %llu, %zu entries\n", list_path,
                 proto_revocations_consortium (list),
                 (unsigned long long) proto_revocations_issued (list),
                 proto_revocations_count (list));
        for (size_t i = 0; i < proto_revocations_count (list); i++)
            fprintf (out, "  revoked %-20llu %s\n",
                     (unsigned long long) proto_revocations_serial (list, i),
                     proto_revocations_name (list, i));
    }
    else
    if (rc == 0 && list_path)
        fprintf (out, "revocation list %s: none yet\n", list_path);
    for (size_t i = 0; i < n; i++)
        free (files [i]);
    free (files);
    proto_revocations_destroy (&list);
    if (rc)
        util_error_context ("list %s", certs_dir);
    return rc;
}

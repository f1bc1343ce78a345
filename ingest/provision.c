/*  ingest/provision.c - setting a site up for authenticated ingest
    (ingest/provision.h). */
#include "provision.h"
#include "endpoint.h"
#include "gateway.h"
#include "store.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_KEY_LEN 32
#define S_KEY_HEX (2 * S_KEY_LEN)

int
ingest_key_file_write (const char *path, const uint8_t key [32])
{
    char line [S_KEY_HEX + 2];
    util_hex_encode (line, key, S_KEY_LEN);
    line [S_KEY_HEX] = '\n';
    int rc = util_file_write (path, line, S_KEY_HEX + 1, 0600, 0);
    util_cleanse (line, sizeof line);
    return rc;
}

int
ingest_provision_storage_key (const char *path)
{
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    int rc = RAND_bytes (key, sizeof key) == 1? ingest_key_file_write (path, key)
                                               : util_error (UTIL_ECRYPTO, "OpenSSL RAND_bytes failed");
    util_cleanse (key, sizeof key);
    return rc;
}

//  Opens the audit log the site names, if any. Returns 0 (and *audit, or
//  NULL when there is none) or -1.
static int
s_audit_open (const ingest_site_files_t *site, audit_log_t **audit)
{
    *audit = NULL;
    if (!site->audit)
        return 0;
    *audit = audit_log_open (site->audit, site->audit_origin);
    return *audit? 0: -1;
}

//  Opens the site's ingest store with the key in its storage key file, and
//  its audit log. Returns the store, or NULL (and *audit NULL).
static ingest_store_t *
s_store_open (const ingest_site_files_t *site, audit_log_t **audit)
{
    *audit = NULL;
    if (!site || !site->store || !site->storage_key)
        return util_error_null (UTIL_EINPUT, "the ingest store and its storage key file are "
                                "required");
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    if (ingest_key_file_read (site->storage_key, key))
        return NULL;
    ingest_store_t *store = NULL;
    if (s_audit_open (site, audit) == 0)
        store = ingest_store_open (site->store, key, *audit);
    util_cleanse (key, sizeof key);
    if (!store)
        audit_log_destroy (audit);
    return store;
}

//  Where the enrollment's secret goes: a new path (caller frees), checked
//  to be writable in principle (its directory exists, it does not).
static char *
s_output_path (const ingest_enrollment_t *device)
{
    struct stat st;
    if (device->provision_dir
    &&  (stat (device->provision_dir, &st) != 0 || !S_ISDIR (st.st_mode)))
        return util_error_null (UTIL_EINPUT, "provisioning directory '%s' is not a directory",
                                device->provision_dir);
    char *path = device->secret_out? util_strdup (device->secret_out)
               : util_asprintf ("%s/%s.device", device->provision_dir, device->device_id);
    if (path && access (path, F_OK) == 0) {
        util_error (UTIL_EREFUSED, "%s exists: not overwriting", path);
        free (path);
        path = NULL;
    }
    return path;
}

//  Writes the provisioning file (format in provision.h) for an enrolled
//  device. Its id and patient were validated by ingest_store_enroll
//  ([A-Za-z0-9._-] and "Patient/" [A-Za-z0-9.-]), so they need no quoting.
static int
s_write_provision (const char *path, const ingest_enrollment_t *device, uint32_t epoch,
                   const uint8_t secret [INGEST_SECRET_LEN])
{
    char hex [2 * INGEST_SECRET_LEN + 1];
    char text [2 * INGEST_SECRET_LEN + INGEST_DEVICE_ID_MAX + 256];
    util_hex_encode (hex, secret, INGEST_SECRET_LEN);
    int len = snprintf (text, sizeof text,
                        "{\n  \"device_id\": \"%s\",\n  \"patient\": \"%s\",\n"
                        "  \"epoch\": %u,\n  \"aead\": \"aes-256-gcm\",\n  \"secret\": \"%s\"\n}\n",
                        device->device_id, device->patient, epoch, hex);
    int rc = len > 0 && (size_t) len < sizeof text
           ? util_file_write (path, text, (size_t) len, 0600, 0)
           : util_error (UTIL_ELIMIT, "%s: the patient reference is too long", path);
    util_cleanse (hex, sizeof hex);
    util_cleanse (text, sizeof text);
    return rc;
}

int
ingest_provision_enroll_device (const ingest_site_files_t *site, const ingest_enrollment_t *device,
                                uint32_t *epoch, char **written)
{
    if (written)
        *written = NULL;
    if (!device || !device->device_id || !device->patient)
        return util_error (UTIL_EINPUT, "enroll: the device id and the patient are required");
    if (!device->secret_out == !device->provision_dir)
        return util_error (UTIL_EINPUT, "enroll: give one of a secret file and a provisioning "
                           "directory");
    //  The id becomes a file name: check it before it is used as one.
    if (!ingest_device_id_ok (device->device_id))
        return util_error (UTIL_EINPUT, "device id must be 1..%d of [A-Za-z0-9._-]",
                           INGEST_DEVICE_ID_MAX);
    char *path = s_output_path (device);
    if (!path)
        return -1;
    audit_log_t *audit = NULL;
    ingest_store_t *store = s_store_open (site, &audit);
    uint8_t secret [INGEST_SECRET_LEN];
    int rc = -1;
    if (!store
    ||  ingest_store_enroll (store, device->device_id, device->patient, device->identifiers,
                             device->n_identifiers, device->expires_ms, secret, epoch))
        goto done;
    if (device->secret_out? ingest_key_file_write (path, secret)
                          : s_write_provision (path, device, *epoch, secret)) {
        //  Nobody holds the secret: take the enrollment back, so that it
        //  can be done again, and keep the write's reason.
        util_error_saved_t why;
        util_error_save (&why);
        if (ingest_store_revoke (store, device->device_id))
            util_error (why.code, "%s; and revoking the enrollment failed: revoke %s by hand",
                        why.text, device->device_id);
        else
            util_error (why.code, "%s (the enrollment was revoked)", why.text);
        goto done;
    }
    if (written) {
        *written = path;
        path = NULL;
    }
    rc = 0;
done:
    util_cleanse (secret, sizeof secret);
    ingest_store_destroy (&store);
    audit_log_destroy (&audit);
    free (path);
    return rc;
}

int
ingest_provision_revoke_device (const ingest_site_files_t *site, const char *device_id)
{
    audit_log_t *audit = NULL;
    ingest_store_t *store = s_store_open (site, &audit);
    int rc = store? ingest_store_revoke (store, device_id): -1;
    ingest_store_destroy (&store);
    audit_log_destroy (&audit);
    return rc;
}

char *
ingest_provision_enroll_authority (const ingest_site_files_t *site, const char *verifier_path)
{
    if (!site || !site->store || !verifier_path)
        return util_error_null (UTIL_EINPUT, "the ingest store and the verifier key file are "
                                "required");
    audit_log_t *audit = NULL;
    audit_verifier_t *key = NULL;
    ingest_grants_t *grants = NULL;
    char *text = NULL;
    if (s_audit_open (site, &audit)
    ||  !(key = audit_verifier_load (verifier_path))
    ||  !(text = audit_verifier_text (key))
    ||  !(grants = ingest_grants_open (site->store, audit))
    ||  ingest_grants_enroll_authority (grants, text)) {
        free (text);
        text = NULL;
    }
    ingest_grants_destroy (&grants);
    audit_verifier_destroy (&key);
    audit_log_destroy (&audit);
    return text;
}

//  Reads a Consent or grant file (at most INGEST_PROVISION_FILE_MAX bytes).
static char *
s_read (const char *path, size_t *len)
{
    char *text = NULL;
    if (!path)
        return util_error_null (UTIL_EINPUT, "no file given");
    return util_file_read (path, INGEST_PROVISION_FILE_MAX, 0, &text, len)? NULL: text;
}

int
ingest_provision_sign_grant (const char *key_path, const char *consent_path,
                             const char *out_path)
{
    if (!key_path || !out_path)
        return util_error (UTIL_EINPUT, "the authority's key file and the output are required");
    size_t len = 0;
    audit_signer_t *key = audit_signer_load (key_path);
    char *json = key? s_read (consent_path, &len): NULL;
    ingest_consent_t *consent = NULL;
    char *envelope = NULL;
    int rc = -1;
    if (!json)
        goto done;
    //  Refuse to sign what no site would take.
    if (ingest_consent_parse (&consent, json, len) != INGEST_GRANT_OK) {
        util_error_context ("%s", consent_path);
        goto done;
    }
    if (!(envelope = ingest_grant_sign (json, len, key)))
        goto done;
    size_t elen = strlen (envelope);
    envelope [elen] = '\n';             //  the file ends in a newline
    rc = util_file_write (out_path, envelope, elen + 1, 0644, 0);
done:
    free (envelope);
    ingest_consent_destroy (&consent);
    free (json);
    audit_signer_destroy (&key);
    return rc;
}

int
ingest_provision_grant (const ingest_site_files_t *site, const char *envelope_path, int64_t now_ms,
                        ingest_grant_reason_t *reason, char *detail, size_t cap)
{
    if (cap)
        detail [0] = '\0';
    if (!site || !site->store)
        return util_error (UTIL_EINPUT, "the ingest store is required");
    audit_log_t *audit = NULL;
    ingest_grants_t *grants = NULL;
    size_t len = 0;
    char *envelope = NULL;
    int rc = -1;
    if (s_audit_open (site, &audit)
    ||  !(envelope = s_read (envelope_path, &len))
    ||  !(grants = ingest_grants_open (site->store, audit)))
        goto done;
    if (ingest_grants_add (grants, envelope, len, now_ms, reason))
        goto done;
    if (*reason != INGEST_GRANT_OK)
        util_error_copy (detail, cap);
    rc = 0;
done:
    ingest_grants_destroy (&grants);
    audit_log_destroy (&audit);
    free (envelope);
    return rc;
}

int
ingest_provision_grant_remote (const char *endpoint, const char *gateway_cert,
                               const char *site_cert, const char *envelope_path, int timeout_ms,
                               ingest_grant_reason_t *reason, char *detail, size_t cap)
{
    if (cap)
        detail [0] = '\0';
    if (!endpoint || !gateway_cert || !site_cert)
        return util_error (UTIL_EINPUT, "the endpoint, the gateway's and the site's "
                           "certificates are required");
    size_t len = 0;
    char *envelope = s_read (envelope_path, &len);
    ingest_gateway_t *gateway = envelope? ingest_gateway_new (endpoint, gateway_cert, site_cert)
                                        : NULL;
    int rc = gateway? ingest_gateway_grant (gateway, (const uint8_t *) envelope, len, timeout_ms,
                                            reason, detail, cap)
                    : -1;
    ingest_gateway_destroy (&gateway);
    free (envelope);
    return rc;
}

int
ingest_provision_select (const char *store, const ingest_consent_query_t *q,
                         ingest_selection_t *out)
{
    memset (out, 0, sizeof *out);
    if (!store)
        return util_error (UTIL_EINPUT, "the ingest store is required");
    ingest_grants_t *grants = ingest_grants_open (store, NULL);
    int64_t *ids = NULL;
    int rc = -1;
    if (grants
    &&  ingest_grants_select_patients (grants, q, &out->patients, &out->n_patients) == 0
    &&  ingest_grants_select_records (grants, q, &ids, &out->n_records, &out->n_censored) == 0)
        rc = 0;
    if (rc)
        ingest_selection_clear (out);
    free (ids);
    ingest_grants_destroy (&grants);
    return rc;
}

void
ingest_selection_clear (ingest_selection_t *self)
{
    if (!self)
        return;
    for (size_t i = 0; i < self->n_patients; i++)
        free (self->patients [i]);
    free (self->patients);
    memset (self, 0, sizeof *self);
}

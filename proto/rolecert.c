/*  proto/rolecert.c - role certificates and revocation lists as signed notes. */
#include "rolecert.h"
#include "plan.h"
#include "audit/note.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_CERT_TAG "cohort-role/v1"
#define S_REVOKE_TAG "cohort-revocations/v1"
#define S_Z85_LEN 40

static const char *s_roles [] = { NULL, "site", "analyst", "observer", "admin" };

const char *
proto_role_name (proto_role_t role)
{
    if (role < PROTO_ROLE_SITE || role > PROTO_ROLE_ADMIN)
        return "?";
    return s_roles [role];
}

int
proto_role_parse (const char *text, proto_role_t *role)
{
    for (int r = PROTO_ROLE_SITE; r <= PROTO_ROLE_ADMIN; r++)
        if (text && strcmp (text, s_roles [r]) == 0) {
            *role = (proto_role_t) r;
            return 0;
        }
    return util_error (UTIL_EINPUT, "unknown role '%.32s' (site, analyst, observer or admin)",
                       text? text: "");
}

//  A name: 1..AUDIT_KEY_NAME_MAX printable ASCII, no space, no '+'.
static bool
s_name_ok (const char *s, size_t len)
{
    if (len == 0 || len > AUDIT_KEY_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s [i] <= 0x20 || s [i] >= 0x7f || s [i] == '+')
            return false;
    return true;
}

//  A CURVE public key: 40 characters of Z85 (ZeroMQ RFC 32) that decode.
static bool
s_curve_ok (const char *s, size_t len)
{
    static const char alphabet [] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    ".-:+=^!/*?&<>()[]{}@%$#";
    if (len != S_Z85_LEN)
        return false;
    char z [S_Z85_LEN + 1];
    for (size_t i = 0; i < len; i++)
        if (!s [i] || !strchr (alphabet, s [i]))
            return false;
    memcpy (z, s, len);
    z [len] = '\0';
    //  Each group of 5 characters is a base-85 number that must fit 32 bits.
    for (size_t g = 0; g < S_Z85_LEN; g += 5) {
        uint64_t v = 0;
        for (size_t k = 0; k < 5; k++)
            v = v * 85 + (uint64_t) (strchr (alphabet, z [g + k]) - alphabet);
        if (v > UINT32_MAX)
            return false;
    }
    uint8_t key [32];
    return zmq_z85_decode (key, z) != NULL;
}

//  Decimal, no sign, no leading zeros, at most 2^64 - 1.
static int
s_u64 (const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20 || (s [0] == '0' && len > 1))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s [i] < '0' || s [i] > '9')
            return -1;
        unsigned d = (unsigned) (s [i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

//  One "key value" line of a note's text: returns the value and its
//  length if the line starts with `key` and a space.
static const char *
s_value (const char *line, size_t llen, const char *key, size_t *vlen)
{
    size_t klen = strlen (key);
    if (llen <= klen || memcmp (line, key, klen) != 0 || line [klen] != ' ')
        return NULL;
    *vlen = llen - klen - 1;
    return line + klen + 1;
}

//  --------------------------------------------------------------------------
//  Certificates

typedef enum {
    S_TAG, S_CONSORTIUM, S_ROLE, S_NAME, S_INDEX, S_CURVE, S_SIGNER, S_SERIAL,
    S_NOT_AFTER, S_FIELDS
} s_field_t;

static const char *s_keys [S_FIELDS] = {
    NULL, "consortium", "role", "name", "index", "curve", "signer", "serial", "not_after"
};

//  Parses the certificate text (signature already checked) into a new
//  certificate. Checks everything but the clock.
static proto_rolecert_t *
s_cert_parse (const char *text, size_t len)
{
    proto_rolecert_t *cert = util_calloc (1, sizeof *cert);
    if (!cert) {
        util_error_context ("role certificate");
        return NULL;
    }
    const char *line = text;
    const char *end = text + len;
    size_t lineno = 0;
    s_field_t next = S_TAG;
    while (line < end) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        size_t llen = nl? (size_t) (nl - line): (size_t) (end - line);
        lineno++;
        if (next == S_INDEX && cert->role != PROTO_ROLE_SITE)
            next = S_CURVE;
        if (next == S_FIELDS) {
            //  Say "repeats" when the line names a field already given.
            for (int f = S_CONSORTIUM; f < S_FIELDS; f++) {
                size_t vl;
                if (s_value (line, llen, s_keys [f], &vl)) {
                    util_error (UTIL_EINPUT, "role certificate: line %zu: '%s' repeats",
                                lineno, s_keys [f]);
                    goto fail;
                }
            }
            util_error (UTIL_EINPUT, "role certificate: line %zu: unexpected line after 'not_after'",
                        lineno);
            goto fail;
        }
        if (next == S_TAG) {
            if (llen != strlen (S_CERT_TAG) || memcmp (line, S_CERT_TAG, llen) != 0) {
                util_error (UTIL_EINPUT, "role certificate: line 1: expected '%s'", S_CERT_TAG);
                goto fail;
            }
            next = S_CONSORTIUM;
            line = nl + 1;
            continue;
        }
        size_t vlen = 0;
        const char *v = s_value (line, llen, s_keys [next], &vlen);
        if (!v) {
            if (next == S_CURVE && cert->role != PROTO_ROLE_SITE
            &&  s_value (line, llen, "index", &vlen)) {
                util_error (UTIL_EINPUT, "role certificate: line %zu: only a site has an index (role %s)",
                            lineno, proto_role_name (cert->role));
                goto fail;
            }
            for (int f = S_CONSORTIUM; f < (int) next; f++) {
                size_t vl;
                if (s_value (line, llen, s_keys [f], &vl)) {
                    util_error (UTIL_EINPUT, "role certificate: line %zu: '%s' repeats",
                                lineno, s_keys [f]);
                    goto fail;
                }
            }
            if (next == S_INDEX)
                util_error (UTIL_EINPUT, "role certificate: line %zu: a site needs 'index <1..%d>'",
                            lineno, PROTO_MAX_PARTIES);
            else
                util_error (UTIL_EINPUT, "role certificate: line %zu: expected '%s <value>'",
                            lineno, s_keys [next]);
            goto fail;
        }
        char word [AUDIT_KEY_NAME_MAX + 1];
        uint64_t n = 0;
        switch (next) {
            case S_CONSORTIUM:
            case S_NAME:
                if (!s_name_ok (v, vlen)) {
                    util_error (UTIL_EINPUT, "role certificate: line %zu: %s must be 1..%d printable "
                                "characters without space or '+'", lineno, s_keys [next],
                                AUDIT_KEY_NAME_MAX);
                    goto fail;
                }
                memcpy (next == S_NAME? cert->name: cert->consortium, v, vlen);
                break;
            case S_ROLE:
                if (vlen > AUDIT_KEY_NAME_MAX)
                    vlen = AUDIT_KEY_NAME_MAX;
                memcpy (word, v, vlen);
                word [vlen] = '\0';
                if (proto_role_parse (word, &cert->role)) {
                    util_error_context ("role certificate: line %zu", lineno);
                    goto fail;
                }
                break;
            case S_INDEX:
                if (s_u64 (v, vlen, &n) || n < 1 || n > PROTO_MAX_PARTIES) {
                    util_error (UTIL_EINPUT, "role certificate: line %zu: index must be 1..%d",
                                lineno, PROTO_MAX_PARTIES);
                    goto fail;
                }
                cert->index = (uint32_t) n;
                break;
            case S_CURVE:
                if (!s_curve_ok (v, vlen)) {
                    util_error (UTIL_EINPUT, "role certificate: line %zu: curve must be a 40-character "
                                "Z85 CURVE public key", lineno);
                    goto fail;
                }
                memcpy (cert->curve, v, vlen);
                break;
            case S_SIGNER:
                cert->signer = audit_verifier_parse (v, vlen);
                if (!cert->signer) {
                    util_error_context ("role certificate: line %zu: signer", lineno);
                    goto fail;
                }
                break;
            case S_SERIAL:
            case S_NOT_AFTER:
                if (s_u64 (v, vlen, next == S_SERIAL? &cert->serial: &cert->not_after)) {
                    util_error (UTIL_EINPUT, "role certificate: line %zu: %s must be a decimal "
                                "number without leading zeros", lineno, s_keys [next]);
                    goto fail;
                }
                break;
            default:
                break;
        }
        next++;
        line = nl + 1;
    }
    if (next != S_FIELDS) {
        if (next == S_INDEX && cert->role != PROTO_ROLE_SITE)
            next = S_CURVE;
        util_error (UTIL_EINPUT, "role certificate: truncated: line '%s' is missing",
                    next == S_TAG? S_CERT_TAG: s_keys [next]);
        goto fail;
    }
    return cert;
fail:
    proto_rolecert_destroy (&cert);
    return NULL;
}

char *
proto_rolecert_issue (const proto_rolecert_t *cert, const audit_signer_t *admin)
{
    char *text = NULL;
    char *signer = NULL;
    char *note = NULL;
    proto_rolecert_t *check = NULL;
    if (!cert || !admin)
        return util_error_null (UTIL_EINPUT, "role certificate: no certificate or admin key");
    if (!cert->signer)
        return util_error_null (UTIL_EINPUT, "role certificate: no signer key for '%s'", cert->name);
    signer = audit_verifier_text (cert->signer);
    if (!signer)
        goto cleanup;
    char index [32] = "";
    if (cert->role == PROTO_ROLE_SITE || cert->index != 0)
        snprintf (index, sizeof index, "index %u\n", (unsigned) cert->index);
    //  Bounded strings: the checks on the parse below say which is wrong.
    text = util_asprintf ("%s\nconsortium %.*s\nrole %s\nname %.*s\n%scurve %.40s\nsigner %s\n"
                          "serial %llu\nnot_after %llu\n", S_CERT_TAG,
                          AUDIT_KEY_NAME_MAX, cert->consortium, proto_role_name (cert->role),
                          AUDIT_KEY_NAME_MAX, cert->name, index, cert->curve, signer,
                          (unsigned long long) cert->serial, (unsigned long long) cert->not_after);
    if (!text)
        goto cleanup;
    //  What is issued must open: the same parser checks every field.
    check = s_cert_parse (text, strlen (text));
    if (!check)
        goto cleanup;
    note = audit_note_sign (text, strlen (text), admin);
    if (note && strlen (note) > PROTO_ROLECERT_MAX) {
        util_error (UTIL_ELIMIT, "role certificate: %zu bytes exceeds %d", strlen (note),
                    PROTO_ROLECERT_MAX);
        free (note);
        note = NULL;
    }
cleanup:
    proto_rolecert_destroy (&check);
    free (signer);
    free (text);
    return note;
}

proto_rolecert_t *
proto_rolecert_open (const char *text, size_t len, const audit_verifier_t *admin, uint64_t now)
{
    if (len > PROTO_ROLECERT_MAX)
        return util_error_null (UTIL_ELIMIT, "role certificate: %zu bytes exceeds %d",
                                len, PROTO_ROLECERT_MAX);
    size_t body = 0;
    if (audit_note_open (&body, NULL, text, len, &admin, 1)) {
        util_error_context ("role certificate");
        return NULL;
    }
    proto_rolecert_t *cert = s_cert_parse (text, body);
    if (cert && now > cert->not_after) {
        util_error (UTIL_EREFUSED, "role certificate: '%s' expired at %llu (now %llu)", cert->name,
                    (unsigned long long) cert->not_after, (unsigned long long) now);
        proto_rolecert_destroy (&cert);
    }
    return cert;
}

char *
proto_rolecert_read (const char *path, const audit_signer_t *signer,
                     const audit_verifier_t *admin, uint64_t now, proto_rolecert_t **cert)
{
    char *text = NULL;
    size_t len = 0;
    char *line = NULL;
    char *want = NULL;
    proto_rolecert_t *opened = NULL;
    if (util_file_read (path, PROTO_ROLECERT_MAX, 0, &text, &len))
        return NULL;
    if (strlen (text) != len) {
        util_error (UTIL_EINPUT, "%s: role certificate: a NUL byte in the file", path);
        goto fail;
    }
    if (admin && !(opened = proto_rolecert_open (text, len, admin, now))) {
        util_error_context ("%s", path);
        goto fail;
    }
    //  The signer line names the key this identity signs with: it must be
    //  the key it was given.
    line = audit_signer_verifier_text (signer);
    want = line? util_asprintf ("\nsigner %s\n", line): NULL;
    if (!want)
        goto fail;
    if (!strstr (text, want)) {
        util_error (UTIL_EINPUT, "%s: role certificate: its signer is not the key '%s' (a "
                    "certificate for another identity?)", path, audit_signer_name (signer));
        goto fail;
    }
    free (line);
    free (want);
    if (cert)
        *cert = opened;
    else
        proto_rolecert_destroy (&opened);
    return text;
fail:
    free (line);
    free (want);
    free (text);
    proto_rolecert_destroy (&opened);
    return NULL;
}

void
proto_rolecert_destroy (proto_rolecert_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_verifier_destroy (&(*self_p)->signer);
    free (*self_p);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Revocation lists

typedef struct {
    uint64_t serial;
    char name [AUDIT_KEY_NAME_MAX + 1];
} s_entry_t;

struct _proto_revocations_t {
    char consortium [AUDIT_KEY_NAME_MAX + 1];
    uint64_t issued;
    size_t count;
    s_entry_t *entries;         //  list order
    uint64_t *sorted;           //  serials, ascending, for lookups
};

static int
s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a;
    uint64_t y = *(const uint64_t *) b;
    return x < y? -1: x > y;
}

//  Sorts the serials and refuses a repeat. Returns 0 or -1.
static int
s_index (proto_revocations_t *self)
{
    if (self->count == 0)
        return 0;
    self->sorted = util_calloc (self->count, sizeof *self->sorted);
    if (!self->sorted)
        return util_error_context ("revocation list");
    for (size_t i = 0; i < self->count; i++)
        self->sorted [i] = self->entries [i].serial;
    qsort (self->sorted, self->count, sizeof *self->sorted, s_cmp_u64);
    for (size_t i = 1; i < self->count; i++)
        if (self->sorted [i] == self->sorted [i - 1])
            return util_error (UTIL_EINPUT, "revocation list: serial %llu is listed twice",
                               (unsigned long long) self->sorted [i]);
    return 0;
}

static proto_revocations_t *
s_revocations_parse (const char *text, size_t len)
{
    proto_revocations_t *self = util_calloc (1, sizeof *self);
    if (!self) {
        util_error_context ("revocation list");
        return NULL;
    }
    //  Count the lines first, to size the entries under the cap.
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text [i] == '\n';
    if (lines < 3) {
        util_error (UTIL_EINPUT, "revocation list: truncated: needs '%s', 'consortium' and 'issued' lines",
                    S_REVOKE_TAG);
        goto fail;
    }
    if (lines - 3 > PROTO_REVOCATIONS_ENTRIES_MAX) {
        util_error (UTIL_ELIMIT, "revocation list: %zu entries exceed %d", lines - 3,
                    PROTO_REVOCATIONS_ENTRIES_MAX);
        goto fail;
    }
    if (lines > 3) {
        self->entries = util_calloc (lines - 3, sizeof *self->entries);
        if (!self->entries) {
            util_error_context ("revocation list");
            goto fail;
        }
    }
    const char *line = text;
    const char *end = text + len;
    size_t lineno = 0;
    while (line < end) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        size_t llen = (size_t) (nl - line);
        size_t vlen = 0;
        const char *v;
        lineno++;
        if (lineno == 1) {
            if (llen != strlen (S_REVOKE_TAG) || memcmp (line, S_REVOKE_TAG, llen) != 0) {
                util_error (UTIL_EINPUT, "revocation list: line 1: expected '%s'", S_REVOKE_TAG);
                goto fail;
            }
        }
        else
        if (lineno == 2) {
            v = s_value (line, llen, "consortium", &vlen);
            if (!v || !s_name_ok (v, vlen)) {
                util_error (UTIL_EINPUT, "revocation list: line 2: expected 'consortium <name>'");
                goto fail;
            }
            memcpy (self->consortium, v, vlen);
        }
        else
        if (lineno == 3) {
            v = s_value (line, llen, "issued", &vlen);
            if (!v || s_u64 (v, vlen, &self->issued)) {
                util_error (UTIL_EINPUT, "revocation list: line 3: expected 'issued <unix seconds>'");
                goto fail;
            }
        }
        else {
            v = s_value (line, llen, "revoke", &vlen);
            const char *sp = v? memchr (v, ' ', vlen): NULL;
            s_entry_t *e = &self->entries [self->count];
            if (!sp || s_u64 (v, (size_t) (sp - v), &e->serial)
            ||  !s_name_ok (sp + 1, vlen - (size_t) (sp - v) - 1)) {
                util_error (UTIL_EINPUT, "revocation list: line %zu: expected 'revoke <serial> <name>'",
                            lineno);
                goto fail;
            }
            memcpy (e->name, sp + 1, vlen - (size_t) (sp - v) - 1);
            self->count++;
        }
        line = nl + 1;
    }
    if (s_index (self))
        goto fail;
    return self;
fail:
    proto_revocations_destroy (&self);
    return NULL;
}

proto_revocations_t *
proto_revocations_open (const char *text, size_t len, const audit_verifier_t *admin)
{
    size_t body = 0;
    if (len > PROTO_REVOCATIONS_MAX)
        return util_error_null (UTIL_ELIMIT, "revocation list: %zu bytes exceeds %d",
                                len, PROTO_REVOCATIONS_MAX);
    if (audit_note_open_max (PROTO_REVOCATIONS_MAX, &body, NULL, text, len, &admin, 1)) {
        util_error_context ("revocation list");
        return NULL;
    }
    return s_revocations_parse (text, body);
}

bool
proto_revocations_has (const proto_revocations_t *self, uint64_t serial)
{
    if (!self || self->count == 0)
        return false;
    return bsearch (&serial, self->sorted, self->count, sizeof serial, s_cmp_u64) != NULL;
}

char *
proto_revocations_issue (const char *consortium, const uint64_t *serials, char *const *names,
                         size_t n, const audit_signer_t *admin)
{
    if (!consortium || !s_name_ok (consortium, strlen (consortium)))
        return util_error_null (UTIL_EINPUT, "revocation list: consortium must be 1..%d printable "
                                "characters without space or '+'", AUDIT_KEY_NAME_MAX);
    if (n > PROTO_REVOCATIONS_ENTRIES_MAX)
        return util_error_null (UTIL_ELIMIT, "revocation list: %zu entries exceed %d", n,
                                PROTO_REVOCATIONS_ENTRIES_MAX);
    //  Each line: "revoke " + 20 digits + " " + name + "\n".
    size_t cap = 128 + n * (8 + 20 + 1 + AUDIT_KEY_NAME_MAX + 1);
    char *text = util_malloc (cap);
    char *note = NULL;
    proto_revocations_t *check = NULL;
    if (!text) {
        util_error_context ("revocation list");
        return NULL;
    }
    size_t used = (size_t) snprintf (text, cap, "%s\nconsortium %s\nissued %llu\n", S_REVOKE_TAG,
                                     consortium, (unsigned long long) time (NULL));
    for (size_t i = 0; i < n; i++) {
        if (!names [i] || !s_name_ok (names [i], strlen (names [i]))) {
            util_error (UTIL_EINPUT, "revocation list: entry %zu: name must be 1..%d printable "
                        "characters without space or '+'", i + 1, AUDIT_KEY_NAME_MAX);
            goto cleanup;
        }
        used += (size_t) snprintf (text + used, cap - used, "revoke %llu %s\n",
                                   (unsigned long long) serials [i], names [i]);
    }
    check = s_revocations_parse (text, used);
    if (!check)
        goto cleanup;
    note = audit_note_sign (text, used, admin);
cleanup:
    proto_revocations_destroy (&check);
    free (text);
    return note;
}

const char *
proto_revocations_consortium (const proto_revocations_t *self)
{
    return self->consortium;
}

uint64_t
proto_revocations_issued (const proto_revocations_t *self)
{
    return self->issued;
}

size_t
proto_revocations_count (const proto_revocations_t *self)
{
    return self->count;
}

uint64_t
proto_revocations_serial (const proto_revocations_t *self, size_t i)
{
    return i < self->count? self->entries [i].serial: 0;
}

const char *
proto_revocations_name (const proto_revocations_t *self, size_t i)
{
    return i < self->count? self->entries [i].name: NULL;
}

void
proto_revocations_destroy (proto_revocations_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->entries);
    free ((*self_p)->sorted);
    free (*self_p);
    *self_p = NULL;
}

/*  audit/checkpoint.c - C2SP signed notes carrying tlog checkpoints. */
#include "checkpoint.h"
#include "audit_internal.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DASH "\xe2\x80\x94 "        //  em dash and a space
#define S_DASH_LEN 4
#define S_ROOT_B64_LEN 44           //  base64 of 32 bytes

int
audit_checkpoint_origin_ok (const char *origin)
{
    size_t len = origin? strlen (origin): 0;
    if (len == 0 || len > AUDIT_ORIGIN_MAX || origin [0] == ' ' || origin [len - 1] == ' ')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (origin [i] < 0x20 || origin [i] > 0x7e)
            return 0;
    return 1;
}

char *
audit_checkpoint_sign (const audit_checkpoint_t *cp, const audit_signer_t *signer)
{
    if (!audit_checkpoint_origin_ok (cp->origin)) {
        util_error (UTIL_EINPUT, "checkpoint origin must be 1..%d printable ASCII characters",
                    AUDIT_ORIGIN_MAX);
        return NULL;
    }
    char root [UTIL_B64_LEN (AUDIT_HASH_LEN)];
    util_b64_encode (root, cp->root, AUDIT_HASH_LEN);
    char body [AUDIT_ORIGIN_MAX + 80];
    int blen = snprintf (body, sizeof body, "%s\n%llu\n%s\n", cp->origin,
                         (unsigned long long) cp->size, root);
    uint8_t sig [AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN];
    memcpy (sig, audit_signer_keyid (signer), AUDIT_KEY_ID_LEN);
    if (audit_signer_sign (signer, sig + AUDIT_KEY_ID_LEN, body, (size_t) blen))
        return NULL;
    char sig64 [UTIL_B64_LEN (sizeof sig)];
    util_b64_encode (sig64, sig, sizeof sig);
    size_t cap = (size_t) blen + 1 + S_DASH_LEN + AUDIT_KEY_NAME_MAX + 1 + sizeof sig64 + 2;
    char *note = util_malloc (cap);
    if (!note) {
        util_error_context ("signing a checkpoint");
        return NULL;
    }
    snprintf (note, cap, "%s\n%s%s %s\n", body, S_DASH, audit_signer_name (signer), sig64);
    return note;
}

//  Parses the checkpoint text (body) into `out`.
static int
s_body (audit_checkpoint_t *out, const char *body, size_t len)
{
    const char *line = body;
    const char *end = body + len;
    size_t lineno = 0;
    while (line < end) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        size_t llen = (size_t) (nl - line);
        lineno++;
        if (lineno == 1) {
            if (llen == 0 || llen > AUDIT_ORIGIN_MAX)
                return util_error (UTIL_EINPUT, "note line 1: origin must be 1..%d characters",
                                   AUDIT_ORIGIN_MAX);
            memcpy (out->origin, line, llen);
            out->origin [llen] = '\0';
            //  Stricter than tlog-checkpoint (any non-empty UTF-8 line):
            //  a log's origin is printable ASCII (audit_log_open), and a
            //  note is only ever compared with one.
            if (!audit_checkpoint_origin_ok (out->origin))
                return util_error (UTIL_EINPUT, "note line 1: origin must be printable ASCII "
                                   "without a space at either end");
        }
        else
        if (lineno == 2) {
            //  Decimal, no sign, no leading zeros, at most 2^64 - 1.
            if (llen == 0 || llen > 20 || (line [0] == '0' && llen > 1))
                return util_error (UTIL_EINPUT, "note line 2: tree size must be a decimal number "
                                   "without leading zeros");
            uint64_t v = 0;
            for (size_t i = 0; i < llen; i++) {
                if (line [i] < '0' || line [i] > '9')
                    return util_error (UTIL_EINPUT, "note line 2: tree size must be a decimal number");
                unsigned d = (unsigned) (line [i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                    return util_error (UTIL_ELIMIT, "note line 2: tree size exceeds 2^64 - 1");
                v = v * 10 + d;
            }
            out->size = v;
        }
        else
        if (lineno == 3) {
            size_t rlen = 0;
            if (llen != S_ROOT_B64_LEN
            ||  util_b64_decode (out->root, AUDIT_HASH_LEN, &rlen, line, llen)
            ||  rlen != AUDIT_HASH_LEN)
                return util_error (UTIL_EINPUT, "note line 3: root hash must be base64 of %d bytes",
                                   AUDIT_HASH_LEN);
        }
        else
        if (llen == 0)
            return util_error (UTIL_EINPUT, "note line %zu: extension lines must not be empty", lineno);
        line = nl + 1;
    }
    if (lineno < 3)
        return util_error (UTIL_EINPUT, "note: checkpoint needs origin, size and root hash lines (has %zu)",
                           lineno);
    return 0;
}

int
audit_checkpoint_open (audit_checkpoint_t *out, const char *text, size_t len,
                       const audit_verifier_t *verifier)
{
    if (!verifier)
        return util_error (UTIL_EINPUT, "note: no verifier key to check the signature with");
    size_t body_len = 0;
    if (audit_note_open (&body_len, NULL, text, len, &verifier, 1))
        return -1;
    audit_checkpoint_t cp;
    memset (&cp, 0, sizeof cp);
    if (s_body (&cp, text, body_len))
        return -1;
    *out = cp;
    return 0;
}

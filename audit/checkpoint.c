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

//  Checks one signature line (without its newline): "— <name> <base64>".
//  Sets *ours if it is by `verifier` and verifies. Returns 0, or -1 if the
//  line is malformed or is by `verifier` and does not verify.
static int
s_signature_line (const char *line, size_t len, size_t lineno,
                  const char *body, size_t body_len,
                  const audit_verifier_t *verifier, bool *ours)
{
    if (len < S_DASH_LEN || memcmp (line, S_DASH, S_DASH_LEN) != 0)
        return util_error (UTIL_EINPUT, "note line %zu: signature line must start with an em dash and a space",
                           lineno);
    const char *name = line + S_DASH_LEN;
    const char *end = line + len;
    for (const char *p = name; p < end; p++)
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
            return util_error (UTIL_EINPUT, "note line %zu: signature line is not printable ASCII",
                               lineno);
    const char *space = memchr (name, ' ', (size_t) (end - name));
    if (!space || space == name)
        return util_error (UTIL_EINPUT, "note line %zu: signature line needs '<name> <signature>'", lineno);
    size_t nlen = (size_t) (space - name);
    for (size_t i = 0; i < nlen; i++)
        if (name [i] <= 0x20 || name [i] >= 0x7f || name [i] == '+')
            return util_error (UTIL_EINPUT, "note line %zu: invalid character in key name", lineno);
    uint8_t sig [AUDIT_NOTE_MAX];
    size_t slen = 0;
    if (util_b64_decode (sig, sizeof sig, &slen, space + 1, (size_t) (end - space - 1)))
        return util_error (UTIL_EINPUT, "note line %zu: signature is not base64", lineno);
    if (slen < AUDIT_KEY_ID_LEN + 1)
        return util_error (UTIL_EINPUT, "note line %zu: signature is too short", lineno);
    //  Signatures by other keys are allowed (a witness may cosign).
    const char *vname = audit_verifier_name (verifier);
    if (nlen != strlen (vname) || memcmp (name, vname, nlen) != 0
    ||  memcmp (sig, audit_verifier_keyid (verifier), AUDIT_KEY_ID_LEN) != 0)
        return 0;
    if (slen != AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN)
        return util_error (UTIL_EINPUT, "note line %zu: Ed25519 signature must be %d bytes",
                           lineno, AUDIT_SIGNATURE_LEN);
    if (audit_verifier_verify (verifier, sig + AUDIT_KEY_ID_LEN, body, body_len))
        return util_error (UTIL_ECRYPTO, "note line %zu: signature by key '%s' does not verify",
                           lineno, vname);
    *ours = true;
    return 0;
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
            if (!audit_checkpoint_origin_ok (out->origin))
                return util_error (UTIL_EINPUT, "note line 1: origin must not start or end with a space");
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
    if (len == 0 || len > AUDIT_NOTE_MAX)
        return util_error (UTIL_EINPUT, "note: size %zu is not within 1..%d bytes", len, AUDIT_NOTE_MAX);
    if (text [len - 1] != '\n')
        return util_error (UTIL_EINPUT, "note: must end with a newline");
    //  The text ends at the last blank line; what follows are signatures.
    size_t split = 0;
    for (size_t i = len - 1; i > 0; i--)
        if (text [i - 1] == '\n' && text [i] == '\n') {
            split = i;
            break;
        }
    if (split == 0)
        return util_error (UTIL_EINPUT, "note: no blank line before the signatures");
    size_t body_len = split;
    //  Text: printable ASCII and newlines only.
    size_t lineno = 1;
    for (size_t i = 0; i < body_len; i++) {
        unsigned char c = (unsigned char) text [i];
        if (c == '\n')
            lineno++;
        else
        if (c < 0x20 || c > 0x7e)
            return util_error (UTIL_EINPUT, "note line %zu: byte 0x%02x is not printable ASCII", lineno, c);
    }
    audit_checkpoint_t cp;
    memset (&cp, 0, sizeof cp);
    if (s_body (&cp, text, body_len))
        return -1;
    lineno++;       //  the blank line
    bool ours = false;
    size_t nsigs = 0;
    const char *line = text + split + 1;
    const char *end = text + len;
    while (line < end) {
        const char *nl = memchr (line, '\n', (size_t) (end - line));
        lineno++;
        if (++nsigs > AUDIT_NOTE_SIGS_MAX)
            return util_error (UTIL_ELIMIT, "note: more than %d signatures", AUDIT_NOTE_SIGS_MAX);
        if (s_signature_line (line, (size_t) (nl - line), lineno, text, body_len,
                              verifier, &ours))
            return -1;
        line = nl + 1;
    }
    if (nsigs == 0)
        return util_error (UTIL_EINPUT, "note: no signature lines");
    if (!ours)
        return util_error (UTIL_EINPUT, "note: no signature by key '%s'", audit_verifier_name (verifier));
    *out = cp;
    return 0;
}
